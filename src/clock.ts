/** Time as an input, so tests pin it instead of sleeping. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** A wait started on a clock; cancelled, its function is not called. */
export interface Timer {
  cancel(): void;
}

/**
 * A clock whose waits can be driven too: the relay's backoff, lease and poll waits run on it, so a
 * test advances time instead of sleeping.
 */
export interface TimerClock extends Clock {
  /** Calls `fn` once `ms` have passed on this clock. */
  setTimer(fn: () => void, ms: number): Timer;
}

export const systemClock: TimerClock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const handle = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(handle) };
  },
};
