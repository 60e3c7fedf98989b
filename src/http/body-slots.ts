/**
 * At most `max` request bodies are read at once. A request past that waits for a slot without
 * reading a byte (its body stays in the kernel's socket buffer), and is not refused: a flood of
 * stalled bodies can delay a genuine delivery until their REQUEST_TIMEOUT_MS, never make it fail
 * outright, and the memory held by bodies in flight stays below max × BODY_LIMIT.
 */
export interface BodySlots {
  /** Resolves with the function that frees the slot, once one is free; `cancelled` stops the wait. */
  acquire(cancelled: AbortSignal): Promise<() => void>;
  readonly inUse: number;
}

export function createBodySlots(max: number): BodySlots {
  let inUse = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else inUse -= 1;
  };
  return {
    get inUse() {
      return inUse;
    },
    acquire(cancelled) {
      if (inUse < max) {
        inUse += 1;
        return Promise.resolve(once(release));
      }
      return new Promise((resolve, reject) => {
        const grant = () => {
          cancelled.removeEventListener('abort', cancel);
          resolve(once(release));
        };
        const cancel = () => {
          waiting.splice(waiting.indexOf(grant), 1);
          reject(cancelled.reason);
        };
        waiting.push(grant);
        cancelled.addEventListener('abort', cancel, { once: true });
      });
    },
  };
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
