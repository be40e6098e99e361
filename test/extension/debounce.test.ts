import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Debounce } from '../../src/extension/background/debounce.ts';

describe('Debounce (one timer per burst)', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('runs once calls pause for the quiet time', () => {
    const run = vi.fn();
    const d = new Debounce(250, 1000, run);
    d.poke();
    vi.advanceTimersByTime(100);
    d.poke();
    vi.advanceTimersByTime(249);
    expect(run).not.toHaveBeenCalled(); // 349 ms after the first call, 249 after the last
    vi.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(5000);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('runs at the bound while calls never pause, then starts a new burst', () => {
    const run = vi.fn();
    const d = new Debounce(250, 1000, run);
    for (let t = 0; t < 1000; t += 50) {
      d.poke();
      vi.advanceTimersByTime(50);
    }
    expect(run).toHaveBeenCalledTimes(1); // at 1000 ms, though the last call was 50 ms before
    d.poke();
    vi.advanceTimersByTime(249);
    expect(run).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('keeps one timer however many calls a burst has', () => {
    const d = new Debounce(250, 1000, () => undefined);
    const spy = vi.spyOn(globalThis, 'setTimeout');
    for (let i = 0; i < 40; i++) d.poke();
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });

  it('cancel drops the pending run', () => {
    const run = vi.fn();
    const d = new Debounce(250, 1000, run);
    d.poke();
    d.cancel();
    vi.advanceTimersByTime(2000);
    expect(run).not.toHaveBeenCalled();
    d.poke();
    vi.advanceTimersByTime(250);
    expect(run).toHaveBeenCalledTimes(1);
  });
});

describe('Debounce and the wall clock (review)', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('a wall clock set back during a burst does not hold the run back (the old per-call timers did not)', () => {
    // The old code armed each timer for min(quiet, first + max − now): at most `quiet` after the last call,
    // whatever Date.now() did. A clock set back an hour (NTP step, user, suspend/resume) must not delay the
    // write of the counters or the engine state by that hour: the worker may be stopped before then.
    const run = vi.fn();
    const d = new Debounce(250, 1000, run);
    d.poke();
    vi.setSystemTime(Date.now() - 3_600_000);
    vi.advanceTimersByTime(1000);
    expect(run).toHaveBeenCalledTimes(1);
  });
});
