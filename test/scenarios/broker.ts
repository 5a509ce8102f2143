import asyncio from "asyncio";
import { unnamed, type Scenario } from "./scenario";

// Peter Hinch's Broker (micropython-async v3/docs/DRIVERS.md §9): its examples, printed.
export default {
  name: "broker",
  smoke: true,
  expected: [
    "led red 1", "led green 1", "led red 0", "led green 0", "led red 1", "led red 0",
    "----", "Received foo_topic test 0", "Received bar_topic test 0", "Received foo_topic test 1", "Received bar_topic test 1",
    "----", "User agent. Topic: foo_topic Message: test 0 Arg: 42", "wildcard foo_topic", "wildcard bar_topic",
    "----", "async agent t 1", "event set: true", "message value: [\"t\", 1]",
    "----", "reported: Exception in the agent <fn>() of topic \"t\"", "reported: Broker.publish(\"q\"): the agent Queue of topic \"q\" is full; the message was lost",
    "queue holds: [\"q\", 1]", "bad agent: TypeError",
  ],
  async run(print) {
    await asyncio.run(async () => {
      const broker = new asyncio.Broker();
      // Subscription args (Hinch's LED example, the LEDs printed).
      const recv = (topic: string, message: number, led: string) => print(topic, led, message);
      broker.subscribe("led", recv, "red");
      broker.subscribe("led", recv, "green");
      broker.publish("led", 1);
      broker.publish("led", 0);
      broker.unsubscribe("led", recv, "green");
      broker.publish("led", 1);
      broker.publish("led", 0);

      print("----");
      // A task waiting on two topics through one RingbufQueue.
      const receiver = asyncio.createTask(async () => {
        const q = new asyncio.RingbufQueue<[string, string]>(10);
        broker.subscribe("foo_topic", q);
        broker.subscribe("bar_topic", q);
        for await (const [topic, message] of q) print(`Received ${topic} ${message}`);
      });
      for (let x = 0; x < 2; x++) {
        await asyncio.sleep(0.01);
        broker.publish("foo_topic", `test ${x}`);
        broker.publish("bar_topic", `test ${x}`);
        broker.publish("ignore me", `test ${x}`);
      }
      await asyncio.sleep(0.01);
      receiver.cancel();

      print("----");
      class MyAgent extends asyncio.Agent {
        put(topic: string, message: string, arg: number): void {
          print(`User agent. Topic: ${topic} Message: ${message} Arg: ${arg}`);
        }
      }
      const fresh = new asyncio.Broker();
      const agent = new MyAgent();
      fresh.subscribe("foo_topic", agent, 42);
      fresh.publish("foo_topic", "test 0");
      fresh.unsubscribe("foo_topic", agent, 42);
      const wildcard = (topic: string) => print("wildcard", topic);
      fresh.subscribe(/.*_topic/, wildcard);
      fresh.subscribe(/_topic/, wildcard); // re.match: only at the start, so never
      fresh.publish("foo_topic");
      fresh.publish("bar_topic");
      fresh.publish("topical");

      print("----");
      const other = new asyncio.Broker();
      const event = new asyncio.Event();
      const msg = new asyncio.Message<unknown>();
      other.subscribe("t", async (topic: string, message: number) => {
        await asyncio.sleep(0);
        print("async agent", topic, message);
      });
      other.subscribe("t", event);
      other.subscribe("t", msg);
      other.publish("t", 1);
      await asyncio.sleep(0.01);
      print("event set:", event.isSet());
      print("message value:", msg.value());

      print("----");
      asyncio.getEventLoop().setExceptionHandler((_loop, context) => print("reported:", unnamed(context.message)));
      const last = new asyncio.Broker();
      last.subscribe("t", function bad() {
        throw new Error("bad agent");
      });
      last.publish("t");
      const q = new asyncio.Queue<unknown>(1);
      last.subscribe("q", q);
      last.publish("q", 1);
      last.publish("q", 2);
      print("queue holds:", q.getNowait());
      try {
        last.subscribe("t", 42 as never);
      } catch (e) {
        print("bad agent:", e instanceof TypeError ? "TypeError" : e);
      }
      asyncio.getEventLoop().setExceptionHandler(null);
    });
  },
} satisfies Scenario;
