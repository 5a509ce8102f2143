import { RuntimeError } from "./errors";
import { Semaphore } from "./semaphore";

/**
 * A Semaphore that refuses to be released more often than acquired: release()
 * beyond the initial value throws RuntimeError (CPython raises ValueError,
 * which JavaScript lacks; this library uses RuntimeError for misuse, as
 * Lock.release() does).
 */
export class BoundedSemaphore extends Semaphore {
  readonly bound: number;

  constructor(value = 1) {
    super(value);
    this.bound = this.value;
  }

  override release(): void {
    // Permits handed to woken waiters count as held: releasing one more is an over-release.
    if (this.value + this.handed >= this.bound) throw new RuntimeError(`BoundedSemaphore.release(): released more times than acquired (bound ${this.bound})`);
    super.release();
  }
}
