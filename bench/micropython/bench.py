# The five workloads of bench/suite.ts in MicroPython, one job per process:
#   micropython bench.py JOB A [B]
# prints one line `RESULT {json}` that bench/micropython.ts parses. Timed jobs
# report the microseconds of the workload alone (time.ticks_us around it);
# bench/micropython.ts runs them at n and 2n and subtracts, so set-up cancels.
import sys
import gc
import json
import asyncio
from time import ticks_us, ticks_diff


# 1. Task switch: `tasks` tasks x `rounds` await sleep(0), gathered.
async def switch_task(rounds):
    for _ in range(rounds):
        await asyncio.sleep(0)


async def switch_main(tasks, rounds):
    all = [asyncio.create_task(switch_task(rounds)) for _ in range(tasks)]
    await asyncio.gather(*all)


# Floor: as many bare generator resumes (next()) in a plain loop, no scheduler.
def parked_gen(rounds):
    for _ in range(rounds):
        yield


def switch_floor(tasks, rounds):
    gens = [parked_gen(rounds) for _ in range(tasks)]
    for _ in range(rounds):
        for g in gens:
            next(g)


# 2. Ping-pong: two tasks x `trips` round trips through two Events (suite.pingPong).
async def pingpong_main(trips):
    ping = asyncio.Event()
    pong = asyncio.Event()

    async def a():
        for _ in range(trips):
            ping.set()
            await pong.wait()
            pong.clear()

    async def b():
        for _ in range(trips):
            await ping.wait()
            ping.clear()
            pong.set()

    await asyncio.gather(asyncio.create_task(a()), asyncio.create_task(b()))


# Floor: a round trip is two bare generator resumes.
def pingpong_floor(trips):
    a = parked_gen(trips)
    b = parked_gen(trips)
    for _ in range(trips):
        next(a)
        next(b)


# 5. Creation: `total` trivial tasks created and gathered in chunks of `chunk`.
async def trivial(i):
    return i


async def create_main(total, chunk):
    for _ in range(0, total, chunk):
        all = [asyncio.create_task(trivial(i)) for i in range(chunk)]
        await asyncio.gather(*all)


# Floor: the same coroutines created and run to completion by send(None).
def create_floor(total, chunk):
    for _ in range(0, total, chunk):
        for i in range(chunk):
            c = trivial(i)
            try:
                c.send(None)
            except StopIteration:
                pass


# 3. Memory: bytes (gc.mem_alloc) per task blocked in sleep(3600).
async def sleeper():
    await asyncio.sleep(3600)


def heap():
    gc.collect()
    gc.collect()
    return gc.mem_alloc()


async def sleepers_main(count, out):
    before = heap()
    for _ in range(count):
        asyncio.create_task(sleeper())  # the task queue holds them
    await asyncio.sleep(0)  # every sleeper has run up to its sleep
    out[0] = heap() - before


def sleepers_floor(count):
    hold = [None] * count
    before = heap()
    for i in range(count):
        g = parked_gen(1)
        next(g)
        hold[i] = g
    return heap() - before


# 4. Lateness: `tasks` tasks x `sleeps` sleeps of 1-50 ms, the seed and
# xorshift of suite.lateness (32-bit); actual - requested, microseconds.
def lateness_plans(tasks, sleeps):
    seed = 0x2545F491
    plans = []
    for _ in range(tasks):
        plan = []
        for _ in range(sleeps):
            seed ^= (seed << 13) & 0xFFFFFFFF
            seed ^= seed >> 17
            seed ^= (seed << 5) & 0xFFFFFFFF
            plan.append(1 + ((seed * 50) >> 32))
        plans.append(plan)
    return plans


async def late_task(plan, late):
    for ms in plan:
        start = ticks_us()
        await asyncio.sleep_ms(ms)
        late.append(ticks_diff(ticks_us(), start) - ms * 1000)


async def lateness_main(tasks, sleeps, late):
    all = [asyncio.create_task(late_task(p, late)) for p in lateness_plans(tasks, sleeps)]
    await asyncio.gather(*all)


def timed(fn, *args):
    gc.collect()
    t0 = ticks_us()
    fn(*args)
    return {"us": ticks_diff(ticks_us(), t0)}


def run(job, a, b):
    if job == "version":
        try:
            import _asyncio  # noqa: F401

            accelerated = True
        except ImportError:
            accelerated = False
        return {"version": sys.version, "accelerated": accelerated}
    if job == "switch":
        return timed(lambda: asyncio.run(switch_main(a, b)))
    if job == "switch-floor":
        return timed(switch_floor, a, b)
    if job == "pingpong":
        return timed(lambda: asyncio.run(pingpong_main(a)))
    if job == "pingpong-floor":
        return timed(pingpong_floor, a)
    if job == "create":
        return timed(lambda: asyncio.run(create_main(a, b)))
    if job == "create-floor":
        return timed(create_floor, a, b)
    if job == "sleepers":
        out = [0]
        asyncio.run(sleepers_main(a, out))
        return {"bytes": out[0]}
    if job == "sleepers-floor":
        return {"bytes": sleepers_floor(a)}
    if job == "lateness":
        late = []
        asyncio.run(lateness_main(a, b, late))
        return {"late_us": late}
    raise ValueError("unknown job " + job)


args = sys.argv[1:]
try:
    result = run(args[0], int(args[1]) if len(args) > 1 else 0, int(args[2]) if len(args) > 2 else 0)
    print("RESULT " + json.dumps(result))
except Exception as e:
    print("FAILED " + repr(e))
    sys.exit(1)
