import { callUser } from "./calluser";
import { isInstance } from "./errors";
import { Event } from "./event";
import { describe, safeString } from "./format";
import { getEventLoop } from "./loop";
import { Message } from "./message";
import { Queue } from "./queue";
import { RingbufQueue } from "./ringbufqueue";
import { QueueFull } from "./syncerrors";

/**
 * Peter Hinch's Agent (micropython-async v3/primitives/broker.py,
 * DRIVERS.md §9.2): the base class of a user agent. The Broker calls
 * `put(topic, message, ...args)` on each publication; it should return
 * quickly (an async put runs as a task).
 */
export abstract class Agent {
  abstract put(topic: any, message: any, ...args: any[]): unknown;
}

/** What a Broker can deliver to (Hinch's agent types). */
export type BrokerAgent =
  | ((topic: any, message: any, ...args: any[]) => unknown)
  | Event
  | Message<any>
  | Queue<any>
  | RingbufQueue<any>
  | Agent;

interface Subscription {
  readonly agent: BrokerAgent;
  readonly args: readonly unknown[];
  /** Names the agent in reports (made once, not per publication). */
  readonly what: string;
}

/**
 * Peter Hinch's Broker (micropython-async v3/primitives/broker.py,
 * DRIVERS.md §9): publish/subscribe between tasks. `publish(topic, message)`
 * triggers every agent subscribed to `topic`, synchronously, in the order they
 * subscribed (exact topic first, then RegExp subscriptions), each once even
 * when several subscriptions match. What an agent receives:
 * - a function (or bound method): called `fn(topic, message, ...args)`; an
 *   async function's promise runs as a task;
 * - an Agent: `agent.put(topic, message, ...args)`;
 * - a Queue or RingbufQueue (and their subclasses): `putNowait([topic, message])`,
 *   or `[topic, message, args]` when subscribed with args;
 * - an Event: `set()`;
 * - a Message: `set([topic, message])` (or `[topic, message, args]`); Hinch's
 *   Message is an Event and gets a bare set().
 *
 * A topic is any value, compared as a Map key (strings and numbers by value,
 * objects by identity). A RegExp subscription topic matches every string topic
 * it matches AT THE START, as Python's re.match (Hinch's `RegExp(".*_topic")`):
 * `/.*_topic/` matches "foo_topic", `/_topic/` does not.
 *
 * publish() never throws: an agent that throws, a failed async agent, a full
 * Queue (the new message is lost, Hinch) or a full RingbufQueue (its oldest
 * message is discarded, Hinch) are reported through the loop's exception
 * handler and the other agents are still triggered. The overflow reports are
 * Hinch's `Verbose` messages: `verbose = false` silences them. publish() may be
 * called from a host callback. A task that waits on several topics subscribes
 * one RingbufQueue to each and reads it with `for await (const [topic, message] of q)`.
 *
 * The library keeps no shared instance (Hinch's module-level `broker`): on
 * Moddable a preloaded module's objects are frozen. Make one `new Broker()`
 * in a module of the app and import it where needed.
 */
export class Broker {
  /** Report messages lost to a full queue (Hinch's Broker.Verbose). */
  verbose = true;
  private readonly topics = new Map<unknown, Subscription[]>();
  /** The RegExp keys of `topics`, so a publication need not walk the map. */
  private readonly patterns: RegExp[] = [];

  /**
   * Triggers `agent` on every publication to `topic`, passing `args` after
   * topic and message. Returns false when that agent with those args was
   * already subscribed (nothing changes; Hinch prints "Duplicate agent").
   * @throws TypeError when agent is none of the agent types.
   */
  subscribe(topic: unknown, agent: BrokerAgent, ...args: unknown[]): boolean {
    if (!isAgent(agent)) throw new TypeError(`Broker.subscribe(): expected an agent (a function, an Agent, a Queue, a RingbufQueue, an Event or a Message), got ${describe(agent)}`);
    let subs = this.topics.get(topic);
    if (subs === undefined) {
      this.topics.set(topic, (subs = []));
      if (isInstance(topic, RegExp)) this.patterns.push(topic as RegExp);
    } else if (indexOf(subs, agent, args) >= 0) return false;
    subs.push({ agent, args, what: `the agent ${label(agent)} of topic ${label(topic)}` });
    return true;
  }

  /**
   * Stops triggering `agent` for `topic`; args must equal those it was
   * subscribed with (element by element, ===). Returns false when it was not
   * subscribed (Hinch prints a note).
   */
  unsubscribe(topic: unknown, agent: BrokerAgent, ...args: unknown[]): boolean {
    const subs = this.topics.get(topic);
    const i = subs === undefined ? -1 : indexOf(subs, agent, args);
    if (i < 0) return false;
    subs!.splice(i, 1);
    if (subs!.length === 0) {
      this.topics.delete(topic);
      const p = this.patterns.indexOf(topic as RegExp);
      if (p >= 0) this.patterns.splice(p, 1);
    }
    return true;
  }

  /** Triggers every agent subscribed to `topic` (see the class). Never throws. */
  publish(topic: unknown, message?: unknown): void {
    // A snapshot: agents may subscribe and unsubscribe while it is delivered.
    const exact = this.topics.get(topic);
    const matched = exact === undefined ? [] : exact.slice();
    if (typeof topic === "string") {
      const patterns = this.patterns;
      for (let p = 0; p < patterns.length; p++) {
        if (!matchesAtStart(topic, patterns[p])) continue;
        const subs = this.topics.get(patterns[p])!;
        for (let i = 0; i < subs.length; i++) {
          if (indexOf(matched, subs[i].agent, subs[i].args) < 0) matched.push(subs[i]);
        }
      }
    }
    if (matched.length === 0) return;
    const loop = getEventLoop();
    for (let i = 0; i < matched.length; i++) {
      const { agent, args, what } = matched[i];
      if (typeof agent === "function") callUser(loop, agent, [topic, message, ...args], what);
      else if (isInstance(agent, Agent)) callUser(loop, putTo, [agent, topic, message, ...args], what);
      else {
        const item = args.length ? [topic, message, args] : [topic, message];
        // In the try too: a subclass's set() may throw, and publish() never does.
        try {
          if (isInstance(agent, Event)) (agent as Event).set();
          else if (isInstance(agent, Message)) (agent as Message).set(item);
          else (agent as Queue<unknown> | RingbufQueue<unknown>).putNowait(item);
        } catch (e) {
          if (!isInstance(e, QueueFull)) loop.callExceptionHandler({ message: `Broker.publish(${label(topic)}): ${what} refused the message`, exception: e, future: null });
          else if (this.verbose) {
            const lost = isInstance(agent, RingbufQueue) ? "its oldest message was discarded" : "the message was lost";
            loop.callExceptionHandler({ message: `Broker.publish(${label(topic)}): ${what} is full; ${lost}`, exception: e, future: null });
          }
        }
      }
    }
  }
}

/** Whether re matches topic at its start (re.match); a RegExp subclass whose exec throws is reported and matches nothing. */
function matchesAtStart(topic: string, re: RegExp): boolean {
  try {
    return topic.search(re) === 0;
  } catch (e) {
    getEventLoop().callExceptionHandler({ message: `Broker.publish(${label(topic)}): matching the topic ${label(re)} failed`, exception: e, future: null });
    return false;
  }
}

function putTo(agent: Agent, ...rest: [unknown, unknown, ...unknown[]]): unknown {
  return agent.put(...rest);
}

const AGENT_KINDS: readonly [string, abstract new (...args: any[]) => unknown][] = [
  ["RingbufQueue", RingbufQueue], ["Queue", Queue], ["Message", Message], ["Event", Event],
];

/** A topic or an agent in a report: a string quoted, a function by its name, a RegExp as written. */
function label(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (isInstance(v, RegExp)) return safeString(v);
  if (typeof v !== "function") {
    if (typeof v !== "object" || v === null) return safeString(v);
    // By kind, not by constructor.name: stripped Moddable builds keep no class names ("object").
    for (const [kind, cls] of AGENT_KINDS) if (isInstance(v, cls)) return kind;
    return describe(v);
  }
  let name: unknown;
  try {
    name = v.name;
  } catch {
    // A revoked Proxy.
  }
  return `${typeof name === "string" && name ? name : "(anonymous)"}()`;
}

function isAgent(a: unknown): boolean {
  return (
    typeof a === "function" ||
    isInstance(a, Agent) ||
    isInstance(a, Queue) ||
    isInstance(a, RingbufQueue) ||
    isInstance(a, Event) ||
    isInstance(a, Message)
  );
}

/** Where (agent, args) is in subs, or -1; args compare element by element (Hinch compares tuples). */
function indexOf(subs: readonly Subscription[], agent: unknown, args: readonly unknown[]): number {
  next: for (let i = 0; i < subs.length; i++) {
    const s = subs[i];
    if (s.agent !== agent || s.args.length !== args.length) continue;
    for (let j = 0; j < args.length; j++) {
      const a = s.args[j];
      const b = args[j];
      if (a !== b && !(a !== a && b !== b)) continue next;
    }
    return i;
  }
  return -1;
}
