/**
 * A trailing debounce bounded by a maximum wait: `run` goes once calls have paused for `quietMs`, and at the
 * latest `maxMs` after the first call of the burst. One timer per burst: a call only notes its time, and the
 * timer, when it fires early, waits out the rest. (Measured, issue 10: re-arming a timer on every call —
 * clearTimeout + setTimeout per authenticated request, twice — was ≈ 12 ms of the worker's CPU per load of the
 * 40-subresource page.)
 */
export class Debounce {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private first = 0;
  private last = 0;

  constructor(
    private readonly quietMs: number,
    private readonly maxMs: number,
    private readonly run: () => void,
    // Monotonic: a wall clock set back (NTP step, the user, resume from sleep) must not stretch the wait by that
    // much, as Date.now() would when the timer recomputes it; the per-call timers this replaced never waited more
    // than quietMs after the last call.
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Ask for a run (after the pause, or at the bound). */
  poke(): void {
    const t = this.now();
    this.last = t;
    if (this.timer !== undefined) return;
    this.first = t;
    this.timer = setTimeout(() => this.fire(), this.quietMs);
  }

  /** Drop the pending run, if any (the caller is about to do the work itself). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fire(): void {
    const due = Math.min(this.last + this.quietMs, this.first + this.maxMs);
    const wait = due - this.now();
    if (wait > 0) {
      this.timer = setTimeout(() => this.fire(), wait);
      return;
    }
    this.timer = undefined;
    this.run();
  }
}
