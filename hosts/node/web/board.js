// The browser board: LEDs, buttons, a timing diagram and the printed lines of
// one run, from the server's event stream (/events). Plain script, no build.
"use strict";
(() => {
  // The terminal view's colours, in the same order, so an LED has the same colour in both: decoration only
  // (an LED is named by its pin; button-blink's GPIO2 is no green LED).
  const COLOURS = ["#3fdc5a", "#4c8dff", "#ff5a52", "#f5d43b", "#e35ce6", "#3fd8e0"];
  const INPUT_COLOUR = "#d2a8ff";
  const ADC_COLOUR = "#ffb86b";
  const MIN_SPAN = 2; // ms: below this the board's clock resolution shows
  const DEFAULT_SPAN = 10000;
  /** Zooming out stops a little past the whole run (or the default span, for a young run). */
  const maxSpan = () => Math.max(DEFAULT_SPAN, now() * 1.25);
  const ROW = 34;
  const AXIS = 24;
  const MAX_LINES = 2000;
  /**
   * Changes a pin keeps on this page (its bars as many): a page left open on a long run (a PWM fade is
   * 180 000 changes an hour) would otherwise grow all run. Past it, the oldest quarter goes at once.
   */
  const PIN_KEEP = 100000;

  const $ = (id) => document.getElementById(id);
  const ui = {
    title: $("title"), clock: $("clock"), status: $("status"), leds: $("leds"), buttons: $("buttons"),
    log: $("log"), noLines: $("no-lines"), canvas: $("diagram"), wrap: $("diagram-wrap"), zoomIn: $("zoom-in"), zoomOut: $("zoom-out"), live: $("live"), span: $("span"), kept: $("kept"),
  };
  const ctx = ui.canvas.getContext("2d");

  // Names this page to the server, which releases the buttons it holds when its stream goes away.
  const client = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");

  let pins; // pin number -> { pin, mode, pull, colour, name, times, levels, node, levelText, held }
  let order; // pin numbers, in the order they first appeared (the diagram's rows)
  let outputs; // output pins seen, for their colours
  let transitions; // level changes received, every pin
  let offset; // run time minus performance.now(): the best (largest) estimate seen
  let latest; // the newest event time
  let ended; // the end event, once the run is over
  let lostAt; // the run's time when the connection was lost (the clock stops there until it is back), or null
  let droppedLines;
  let keptFrom; // the run's time before which the server or this page no longer keeps every event (0: all kept)
  let notKept; // events the server said it no longer kept, and changes this page let go
  let pageDropped;
  let logFollow; // the printed lines follow the newest (the user has not scrolled back)
  let dirty = true;

  const view = { span: DEFAULT_SPAN, follow: true, end: 0, start: 0, pxPerMs: 1, x0: 0, plotW: 1 };

  function reset(title) {
    pins = new Map();
    order = [];
    outputs = 0;
    transitions = 0;
    offset = null;
    latest = 0;
    ended = null;
    lostAt = null;
    droppedLines = 0;
    keptFrom = 0;
    notKept = 0;
    pageDropped = 0;
    ui.kept.hidden = true;
    logFollow = true;
    ui.noLines.textContent = "nothing printed yet";
    for (const list of [ui.leds, ui.buttons]) for (const n of [...list.children]) if (!n.classList.contains("none")) n.remove();
    ui.log.replaceChildren();
    showEmpty();
    ui.title.textContent = title || "Simulated board";
    document.title = title ? `${title} · simulated board` : "Simulated board";
    dirty = true;
  }

  function showEmpty() {
    for (const list of [ui.leds, ui.buttons]) list.querySelector(".none").hidden = list.children.length > 1;
    ui.noLines.hidden = ui.log.children.length > 0;
  }

  // --- time -------------------------------------------------------------------

  // The run's clock is the app's; the stream's lag only ever makes an estimate
  // too small, so the largest one is the best.
  function noteTime(t) {
    if (typeof t !== "number" || !Number.isFinite(t)) return;
    const est = t - performance.now();
    if (offset === null || est > offset) offset = est;
  }
  function now() {
    if (ended) return ended.time;
    if (lostAt !== null) return lostAt;
    return offset === null ? latest : Math.max(latest, performance.now() + offset);
  }
  const seconds = (ms) => `t = ${(ms / 1000).toFixed(3)} s`;

  // --- events -----------------------------------------------------------------

  function apply(e) {
    if (!e || typeof e !== "object" || typeof e.time !== "number") return;
    latest = Math.max(latest, e.time);
    noteTime(e.time);
    if (e.type === "end") {
      ended = e;
      setStatus("ended", `run ended at ${seconds(e.time)}: ${endReason(e)}`);
      for (const p of pins.values()) if (p.held) release(p);
      if (ui.log.children.length === 0) ui.noLines.textContent = "nothing was printed";
    } else if (e.type === "stall") {
      const task = e.task === null ? " (top-level code or a callback)" : ` (task ${taskName(e.task)})`;
      setStatus("stalled", `stalled: nothing has given the loop back since ${seconds(e.since)}${task}`);
    } else if (e.type === "resume") {
      // The loop runs again (a task that holds it may still change pins: those say nothing about the loop).
      if (status[0] === "stalled") setStatus("live", "live");
    } else if (e.type === "pin") pinEvent(e);
    else if (e.type === "burst") burstEvent(e);
    else if (e.type === "pwm" || e.type === "analog") analogEvent(e);
    else if (e.type === "print") printLine(e);
    else if (e.type === "dropped") droppedEvent(e);
    dirty = true;
  }

  // A page opened late in a long run: the server keeps only its newest events. Each pin's state from
  // before comes first (its row starts there); the diagram shades what is not kept, the toolbar says so.
  function droppedEvent(e) {
    notKept = typeof e.count === "number" ? e.count : 0;
    notKeptFrom(e.time);
  }
  function notKeptFrom(t) {
    keptFrom = Math.max(keptFrom, t);
    const count = notKept + pageDropped;
    ui.kept.textContent = `history from ${seconds(keptFrom)}: ${count} earlier event${count === 1 ? "" : "s"} not kept`;
    ui.kept.hidden = false;
  }
  /** Past PIN_KEEP, a pin's oldest changes and bars go; its row starts at the first one left. */
  function trim(p) {
    trimPair(p.times, p.levels);
    trimPair(p.burstFrom, p.burstTo);
  }
  /** times: ascending; values: one for each, let go with it. */
  function trimPair(times, values) {
    if (times.length <= PIN_KEEP + PIN_KEEP / 4) return;
    const k = times.length - PIN_KEEP;
    times.splice(0, k);
    values.splice(0, k);
    pageDropped += k;
    notKeptFrom(times[0]);
  }

  /** A task's name as the terminal and Task.toString() give it. */
  const taskName = (name) => (typeof name === "string" && name ? name : "(anonymous)");

  function endReason(e) {
    switch (e.reason) {
      case "duration": return "its duration elapsed";
      case "finished": return typeof e.code === "number" ? `the app called process.exit(${e.code})` : "the app finished";
      case "stopped": return "stopped";
      case "runaway": {
        // As the terminal reports it: who, since when, where.
        const who = typeof e.task === "string" ? `task ${taskName(e.task)}` : e.where && !/\(.*:\d+/.test(e.where) ? e.where : "code outside any task";
        const since = typeof e.since === "number" ? ` since ${seconds(e.since)}` : "";
        const where = e.where && /:\d+/.test(e.where) ? `; stuck at ${e.where}` : "";
        return `${who} never gave the loop back${since} (a loop without await?): the app was terminated${where}`;
      }
      case "error": return `the app failed${e.message ? `: ${e.message}` : ""}`;
      default: return String(e.reason);
    }
  }

  function pinOf(e, mode, pull) {
    let p = pins.get(e.pin);
    if (!p) {
      p = { pin: e.pin, mode: null, pull: null, colour: null, outColour: null, times: [], levels: [], burstFrom: [], burstTo: [], node: null, levelText: null, held: false };
      pins.set(e.pin, p);
      order.push(e.pin);
    }
    if (p.mode !== mode || p.pull !== pull) {
      p.mode = mode;
      p.pull = pull;
      makeNode(p);
    }
    return p;
  }
  /** A pin's level (0 or 1; a PWM duty or an ADC reading as 0 … 1) from time t on. counted: a change of level counts as a transition. */
  function addLevel(p, t, level, counted = true) {
    const n = p.levels.length;
    if (n === 0 || p.levels[n - 1] !== level) {
      if (n > 0 && counted) transitions++;
      // Binary searches need the times in order, whatever the feed does.
      p.times.push(n ? Math.max(t, p.times[n - 1]) : t);
      p.levels.push(level);
      trim(p);
    }
  }

  function pinEvent(e) {
    const p = pinOf(e, e.mode, e.pull);
    addLevel(p, e.time, e.level);
    p.node.dataset.level = String(e.level);
    if (p.levelText) p.levelText.textContent = `level: ${e.level ? "high" : "low"}`;
  }

  // Many changes within a ms (a task toggling a pin without an await): the server sends them as one burst,
  // drawn as a solid bar from its first change to its last; the level is the last one's from then on.
  function burstEvent(e) {
    const p = pinOf(e, e.mode, e.pull);
    const n = p.burstFrom.length;
    const from = n ? Math.max(e.time, p.burstTo[n - 1]) : e.time;
    const to = Math.max(from, e.until);
    // Touching bursts (a pin toggling for seconds on end) are one bar.
    if (n && from - p.burstTo[n - 1] <= 1) p.burstTo[n - 1] = to;
    else {
      p.burstFrom.push(from);
      p.burstTo.push(to);
      trim(p);
    }
    if (typeof e.changes === "number") transitions += e.changes;
    addLevel(p, to, e.level, false);
    p.node.dataset.level = String(e.level);
    if (p.levelText) p.levelText.textContent = `level: ${e.level ? "high" : "low"}`;
  }

  // A PWM output is an LED as bright as its duty; an ADC input shows its volts.
  function analogEvent(e) {
    const p = pinOf(e, e.type === "pwm" ? "pwm" : "adc", "none");
    const level = e.type === "pwm" ? e.duty / 65535 : e.value / 65535;
    addLevel(p, e.time, level);
    p.node.dataset.level = String(level);
    if (e.type === "pwm") {
      p.node.style.setProperty("--b", String(level));
      p.levelText.textContent = ` ${Math.round(level * 100)}% · ${e.freq} Hz`;
    } else p.levelText.textContent = `${(e.uv / 1e6).toFixed(3)} V`;
  }

  function makeNode(p) {
    p.node?.remove();
    if (p.mode === "adc") {
      p.colour = ADC_COLOUR;
      const d = document.createElement("div");
      d.className = "adc";
      d.dataset.pin = String(p.pin);
      p.levelText = document.createElement("small");
      d.append(`GPIO${p.pin} ADC`, p.levelText);
      d.title = `GPIO${p.pin}, an analog input`;
      p.node = d;
      ui.buttons.append(d);
    } else if (p.mode === "input") {
      p.colour = INPUT_COLOUR;
      const b = document.createElement("button");
      b.type = "button";
      b.className = "pin-button";
      b.dataset.pin = String(p.pin);
      b.setAttribute("aria-pressed", "false");
      const pull = document.createElement("small");
      pull.textContent = p.pull === "up" ? "pull-up: press = low" : p.pull === "down" ? "pull-down: press = high" : "no pull: press = high";
      p.levelText = document.createElement("small");
      b.append(`GPIO${p.pin}`, pull, p.levelText);
      b.title = `Hold to keep GPIO${p.pin} pressed`;
      b.addEventListener("pointerdown", (ev) => {
        if (ev.button !== 0) return;
        b.setPointerCapture(ev.pointerId);
        press(p);
      });
      for (const type of ["pointerup", "pointercancel", "lostpointercapture", "blur"]) b.addEventListener(type, () => release(p));
      b.addEventListener("keydown", (ev) => {
        if (ev.key !== " " && ev.key !== "Enter") return;
        ev.preventDefault();
        if (!ev.repeat) press(p);
      });
      b.addEventListener("keyup", (ev) => {
        if (ev.key !== " " && ev.key !== "Enter") return;
        ev.preventDefault();
        release(p);
      });
      p.node = b;
      ui.buttons.append(b);
    } else {
      // An output keeps its colour if the app re-opens it (as an input, then an output again).
      if (!p.outColour) p.outColour = COLOURS[outputs++ % COLOURS.length];
      p.colour = p.outColour;
      const d = document.createElement("div");
      d.className = "led";
      d.dataset.pin = String(p.pin);
      const lamp = document.createElement("span");
      lamp.className = "lamp";
      lamp.style.setProperty("--c", p.colour);
      const label = document.createElement("span");
      label.append(`GPIO${p.pin}`);
      d.title = `GPIO${p.pin}, an output (an LED)${p.mode === "pwm" ? ", PWM: as bright as its duty" : ""}`;
      d.append(lamp, label);
      p.levelText = null;
      if (p.mode === "pwm") {
        d.classList.add("pwm");
        p.levelText = document.createElement("small");
        label.append(p.levelText);
      }
      p.node = d;
      ui.leds.append(d);
    }
    showEmpty();
  }

  function printLine(e) {
    const log = ui.log;
    const li = document.createElement("li");
    if (e.stderr) li.className = "stderr";
    const t = document.createElement("span");
    t.className = "t";
    t.textContent = seconds(e.time);
    // textContent only: a printed line is the app's text, never markup.
    li.append(t, String(e.line));
    log.append(li);
    let note = log.firstElementChild.classList.contains("note") ? log.firstElementChild : null;
    if (log.children.length - (note ? 1 : 0) > MAX_LINES) {
      log.children[note ? 1 : 0].remove();
      droppedLines++;
      if (!note) {
        note = document.createElement("li");
        note.className = "note";
        log.prepend(note);
      }
      note.textContent = `${droppedLines} earlier line${droppedLines === 1 ? "" : "s"} not shown`;
    }
    if (logFollow) log.scrollTop = log.scrollHeight;
    ui.noLines.hidden = true;
  }

  // The printed lines follow the newest until the user scrolls back, and again once they scroll to the bottom. Whether
  // they follow is the user's choice, not the scroll position's: a change of width rewraps the lines and moves it.
  const logAtBottom = () => ui.log.scrollTop + ui.log.clientHeight >= ui.log.scrollHeight - 4;
  let logTouched = 0;
  for (const type of ["wheel", "pointerdown", "keydown", "touchstart"]) ui.log.addEventListener(type, () => (logTouched = performance.now()), { passive: true });
  ui.log.addEventListener("scroll", () => {
    if (logAtBottom()) logFollow = true;
    else if (performance.now() - logTouched < 1000) logFollow = false;
  });
  ui.log.style.overflowAnchor = "none";
  new ResizeObserver(() => {
    if (logFollow) ui.log.scrollTop = ui.log.scrollHeight;
  }).observe(ui.log);

  // --- buttons ------------------------------------------------------------------

  // One request at a time, in order: a quick click's release must not overtake its press.
  let sending = Promise.resolve();
  function send(pin, level) {
    sending = sending.then(async () => {
      try {
        const r = await fetch("/drive", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ pin, level, client }) });
        if (!r.ok) flash(`GPIO${pin}: ${(await r.text()).trim()}`);
      } catch (err) {
        flash(`GPIO${pin}: the board did not answer`);
      }
    });
  }
  function press(p) {
    if (p.held || ended) return;
    p.held = true;
    p.node.setAttribute("aria-pressed", "true");
    send(p.pin, p.pull === "up" ? 0 : 1);
  }
  function release(p) {
    if (!p.held) return;
    p.held = false;
    p.node.setAttribute("aria-pressed", "false");
    send(p.pin, null);
  }
  window.addEventListener("blur", () => {
    for (const p of pins.values()) release(p);
  });

  // --- status -------------------------------------------------------------------

  let status = ["connecting", "connecting…"];
  let flashTimer = 0;
  function setStatus(state, text) {
    status = [state, text];
    if (!flashTimer) showStatus(state, text);
  }
  function showStatus(state, text) {
    ui.status.dataset.state = state;
    ui.status.textContent = text;
  }
  function flash(text) {
    showStatus("error", text);
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => {
      flashTimer = 0;
      showStatus(...status);
    }, 4000);
  }

  // --- stream -------------------------------------------------------------------

  let source;
  function connect() {
    source = new EventSource(`/events?client=${client}`);
    source.addEventListener("reset", (ev) => {
      let m = {};
      try {
        m = JSON.parse(ev.data);
      } catch {}
      reset(typeof m.title === "string" ? m.title : "");
      noteTime(m.now);
      setStatus("live", "live");
    });
    source.addEventListener("message", (ev) => {
      let m;
      try {
        m = JSON.parse(ev.data);
      } catch {
        return;
      }
      for (const e of Array.isArray(m.events) ? m.events : []) apply(e);
      noteTime(m.now);
      // Nothing more will come; without this the page would retry a finished run forever.
      if (ended) source.close();
    });
    source.addEventListener("error", () => {
      if (ended) return;
      // The run's time is not known without the server: the clock stops at the last time heard of.
      if (lostAt === null) lostAt = now();
      dirty = true;
      if (source.readyState === EventSource.CLOSED) setStatus("error", "disconnected: reload the page to try again");
      else setStatus("connecting", "connection lost, reconnecting…");
    });
  }

  // --- timing diagram -----------------------------------------------------------

  /** First index in a (sorted) whose value is > t. */
  function upper(a, t, lo = 0) {
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  /** First index in a (sorted) whose value is >= t. */
  function lower(a, t, lo = 0) {
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  function niceStep(ms) {
    const p = 10 ** Math.floor(Math.log10(ms));
    for (const m of [1, 2, 5, 10]) if (m * p >= ms) return m * p;
    return 10 * p;
  }

  function layout() {
    const w = ui.wrap.clientWidth;
    view.x0 = w < 480 ? 62 : 88;
    view.plotW = Math.max(20, w - view.x0 - 12);
    const tNow = now();
    view.span = Math.min(maxSpan(), Math.max(MIN_SPAN, view.span));
    if (view.follow || tNow <= view.span) {
      view.end = Math.max(tNow, view.span);
    }
    view.start = view.end - view.span;
    view.pxPerMs = view.plotW / view.span;
    return w;
  }

  function draw() {
    const w = layout();
    const rows = Math.max(order.length, 1);
    const h = rows * ROW + AXIS + 6;
    const dpr = window.devicePixelRatio || 1;
    if (ui.canvas.width !== Math.round(w * dpr) || ui.canvas.height !== Math.round(h * dpr)) {
      ui.canvas.width = Math.round(w * dpr);
      ui.canvas.height = Math.round(h * dpr);
      ui.canvas.style.height = `${h}px`;
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = "#0c0e10";
    ctx.fillRect(0, 0, w, h);

    const { x0, plotW, start, end, pxPerMs } = view;
    // Whole pixels, with 2 px lines on them: crisp edges, as a logic analyser draws them.
    const X = (t) => Math.round(x0 + (t - start) * pxPerMs);
    const plotBottom = rows * ROW + 2;

    // Grid and time axis.
    const step = niceStep(70 / pxPerMs);
    const decimals = Math.max(0, -Math.floor(Math.log10(step / 1000)));
    ctx.font = "11px ui-monospace, monospace";
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (let t = Math.ceil(start / step) * step; t <= end; t += step) {
      const x = X(t);
      ctx.fillStyle = "#20252b";
      ctx.fillRect(x, 0, 1, plotBottom);
      ctx.fillStyle = "#87919c";
      ctx.fillText(`${(t / 1000).toFixed(decimals)} s`, Math.min(Math.max(x, x0 + 16), x0 + plotW - 16), plotBottom + 6);
    }
    ctx.fillStyle = "#2a2f35";
    ctx.fillRect(x0, plotBottom, plotW, 1);
    if (keptFrom > start) {
      const xk = Math.min(x0 + plotW, X(keptFrom));
      ctx.fillStyle = "#ffffff0d";
      ctx.fillRect(x0, 0, xk - x0, plotBottom);
      if (xk - x0 > 80) {
        ctx.fillStyle = "#87919c";
        ctx.textAlign = "right";
        ctx.textBaseline = "bottom";
        ctx.fillText("not kept", xk - 4, plotBottom - 2);
      }
    }

    const tNow = now();
    const tEnd = Math.min(tNow, end);
    let edges = 0;
    order.forEach((pinNo, row) => {
      const p = pins.get(pinNo);
      const top = row * ROW;
      const yHi = top + 8;
      const yLo = top + ROW - 8;
      ctx.textAlign = "left";
      ctx.textBaseline = "middle";
      ctx.fillStyle = p.colour;
      ctx.font = "12px ui-monospace, monospace";
      ctx.fillText(`GPIO${p.pin}`, 6, top + ROW / 2 - 6);
      ctx.fillStyle = "#87919c";
      ctx.font = "10px ui-monospace, monospace";
      ctx.fillText(p.mode === "input" ? "in" : p.mode === "pwm" || p.mode === "adc" ? p.mode : "out", 6, top + ROW / 2 + 8);

      const { times, levels } = p;
      if (!times.length || times[0] > tEnd) return;
      ctx.save();
      ctx.beginPath();
      ctx.rect(x0, top, plotW, ROW);
      ctx.clip();
      // 0 low, 1 high; a PWM duty or an ADC reading (0 … 1) in between.
      const y = (level) => Math.round(yLo - level * (yLo - yHi));
      const fill = (from, to, level) => ctx.fillRect(from, y(level), to - from, yLo - y(level));
      const stop = upper(times, tEnd);
      let i = upper(times, start) - 1;
      let x;
      if (i < 0) {
        i = 0;
        x = X(times[0]);
      } else x = x0;
      let level = levels[i];
      i++;
      let highFrom = level ? x : null;
      ctx.fillStyle = `${p.colour}33`;
      ctx.strokeStyle = p.colour;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(x, y(level));
      while (i < stop) {
        const xi = X(times[i]);
        // Many changes in one pixel column: one full-height bar for the lot, so a
        // zoomed-out million toggles costs a search per column, not a step each.
        const j = Math.min(stop, lower(times, start + (xi + 0.5 - x0) / pxPerMs, i));
        ctx.lineTo(xi, y(level));
        if (j - i > 1) {
          ctx.lineTo(xi, yHi);
          ctx.lineTo(xi, yLo);
          if (highFrom !== null) fill(highFrom, xi, level);
          ctx.fillRect(xi - 1, yHi, 2, yLo - yHi);
          level = levels[j - 1];
          highFrom = level ? xi : null;
          ctx.moveTo(xi, y(level));
          i = j;
        } else {
          if (highFrom !== null) fill(highFrom, xi, level);
          level = levels[i];
          highFrom = level ? xi : null;
          ctx.lineTo(xi, y(level));
          i++;
        }
        edges++;
      }
      const xe = X(tEnd);
      ctx.lineTo(xe, y(level));
      if (highFrom !== null) fill(highFrom, xe, level);
      ctx.stroke();
      // Bursts (more changes in a ms than can be drawn one by one): solid bars, at least 2 px wide.
      const { burstFrom, burstTo } = p;
      if (burstFrom.length) {
        ctx.fillStyle = `${p.colour}cc`;
        let barEnd = -Infinity;
        for (let k = Math.max(0, upper(burstFrom, start) - 1); k < burstFrom.length && burstFrom[k] <= tEnd; k++) {
          if (burstTo[k] < start) continue;
          const xa = Math.max(x0, X(burstFrom[k]));
          const xb = Math.max(xa + 2, X(Math.min(burstTo[k], tEnd)));
          if (xb <= barEnd) continue;
          ctx.fillRect(Math.max(xa, barEnd), yHi, xb - Math.max(xa, barEnd), yLo - yHi);
          barEnd = xb;
          edges++;
        }
      }
      ctx.restore();
      ctx.fillStyle = "#1b1f24";
      ctx.fillRect(0, top + ROW - 1, w, 1);
    });

    if (!ended && tNow >= start && tNow <= end) {
      ctx.fillStyle = "#58a6ff88";
      ctx.fillRect(X(tNow), 0, 1, plotBottom);
    }

    // For tests and tools: what this frame shows.
    const c = ui.canvas.dataset;
    c.transitions = String(transitions);
    c.edgesDrawn = String(edges);
    c.span = String(Math.round(view.span * 1000) / 1000);
    c.follow = String(view.follow);
    c.start = String(Math.round(start));
    c.end = String(Math.round(end));
    ui.live.setAttribute("aria-pressed", String(view.follow));
    ui.span.textContent = `${view.span >= 1000 ? `${+(view.span / 1000).toPrecision(3)} s` : `${+view.span.toPrecision(3)} ms`} shown`;
    dirty = false;
  }

  function frame() {
    // Following a live run, the view moves every frame; otherwise only when something changed.
    if (dirty || (view.follow && !ended)) draw();
    ui.clock.textContent = seconds(now());
    requestAnimationFrame(frame);
  }

  // --- zoom and scroll ----------------------------------------------------------

  /** factor > 1 zooms out. Anchored at the pointer when scrolled back, at the live edge when following. */
  function zoom(factor, anchorX) {
    layout();
    const old = view.span;
    const span = Math.min(maxSpan(), Math.max(MIN_SPAN, old * factor));
    if (!view.follow) {
      const frac = anchorX === undefined ? 0.5 : Math.min(1, Math.max(0, (anchorX - view.x0) / view.plotW));
      const t = view.start + frac * old;
      view.end = t + (1 - frac) * span;
    }
    view.span = span;
    clampView();
  }

  /** Moves the view by px pixels; positive is later in time. */
  function pan(px) {
    layout();
    view.end += px / view.pxPerMs;
    view.follow = false;
    clampView();
  }

  function clampView() {
    const tNow = now();
    if (view.end >= tNow || tNow <= view.span) view.follow = true;
    else view.end = Math.max(view.end, view.span);
    dirty = true;
  }

  ui.zoomIn.addEventListener("click", () => zoom(0.5));
  ui.zoomOut.addEventListener("click", () => zoom(2));
  ui.live.addEventListener("click", () => {
    view.follow = true;
    dirty = true;
  });
  ui.canvas.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const k = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? 400 : 1;
    const dx = ev.deltaX * k;
    const dy = ev.deltaY * k;
    if (ev.shiftKey) pan(dy || dx);
    else if (Math.abs(dx) > Math.abs(dy)) pan(dx);
    else if (dy) zoom(Math.exp(dy * 0.002), ev.offsetX);
  }, { passive: false });
  let drag = null;
  ui.canvas.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0) return;
    drag = ev.clientX;
    ui.canvas.setPointerCapture(ev.pointerId);
    ui.canvas.classList.add("dragging");
  });
  ui.canvas.addEventListener("pointermove", (ev) => {
    if (drag === null) return;
    pan(drag - ev.clientX);
    drag = ev.clientX;
  });
  for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) {
    ui.canvas.addEventListener(type, () => {
      drag = null;
      ui.canvas.classList.remove("dragging");
    });
  }
  ui.canvas.addEventListener("keydown", (ev) => {
    const keys = {
      "+": () => zoom(0.5), "=": () => zoom(0.5), "-": () => zoom(2),
      ArrowLeft: () => pan(-view.plotW / 4), ArrowRight: () => pan(view.plotW / 4),
      End: () => { view.follow = true; dirty = true; },
    };
    const act = keys[ev.key];
    if (!act) return;
    ev.preventDefault();
    act();
  });
  new ResizeObserver(() => (dirty = true)).observe(ui.wrap);

  // For tests and tools: the diagram's data, as the page holds it.
  window.webBoard = {
    pins: () => order.map((n) => {
      const p = pins.get(n);
      return {
        pin: p.pin, mode: p.mode, pull: p.pull, level: p.levels[p.levels.length - 1], times: p.times.slice(), levels: p.levels.slice(),
        bursts: p.burstFrom.map((from, k) => [from, p.burstTo[k]]),
      };
    }),
    now,
    view: () => ({ start: view.start, end: view.end, span: view.span, follow: view.follow }),
    ended: () => ended,
    /** The run's time before which the server or this page no longer keeps every event (0: all kept). */
    keptFrom: () => keptFrom,
    /** Draws now, so that what the canvas shows matches pins() and view(). */
    redraw: draw,
    /** Where the last frame put each row's levels, in CSS pixels. */
    layout: () => ({
      x0: view.x0, plotW: view.plotW, dpr: window.devicePixelRatio || 1,
      rows: order.map((n, row) => ({ pin: n, colour: pins.get(n).colour, yHigh: row * ROW + 8, yLow: row * ROW + ROW - 8 })),
    }),
  };

  reset("");
  connect();
  requestAnimationFrame(frame);
})();
