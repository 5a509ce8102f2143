// print() inside XS (xsnap): through XsHost to the worker's output.
import { XsHost } from "../../hosts/xs/host";
import { setHost } from "../../modules/asyncio/loop";
import { print } from "../../modules/asyncio/print";

setHost(new XsHost());
print("PRINT", "hello", 42, [1, "two"], { a: 1 }, null, undefined, true);
print("PRINT", new RangeError("too far"));
print("PRINT", Object.create(null), Symbol("s"));
const { proxy, revoke } = Proxy.revocable({}, {});
revoke();
print("PRINT", proxy);
print("PRINT DONE");
