// Runs inside XS, only when an evaluation the driver sent (hosts/xs/worker.ts)
// threw: it names format.ts's formatError for the driver's catch, which
// turns a thrown value xsnap cannot stringify into an Error it can.
import { formatError } from "../../modules/asyncio/format";

(globalThis as { __moddableAsyncioFormatError?: (e: unknown) => string }).__moddableAsyncioFormatError = formatError;
