/**
 * At most `max` request bodies are read at once, and one source address holds at most `share` of
 * them. A request past that waits for a slot without reading a byte (its body stays in the
 * kernel's socket buffer), in arrival order among the requests that may take one, and is not
 * refused: the memory held by bodies in flight stays below max × BODY_LIMIT, and a flood from one
 * address leaves the other slots to everyone else. A slow body does not keep its slot for long:
 * raw-body.ts answers 408 to a body under the floor rate or past its deadline.
 */
export interface BodySlots {
  /**
   * Resolves with the function that frees the slot, once one is free for `source`; `cancelled`
   * stops the wait. `arrived` says whether the request's whole body has arrived (buffered by the
   * socket): such requests get a free slot first, so a trickle waits behind whole bodies.
   */
  acquire(source: string, cancelled: AbortSignal, arrived?: () => boolean): Promise<() => void>;
  readonly inUse: number;
}

/** The share of the slots one source address may hold at once. */
export const SOURCE_SHARE = 0.25;

export function createBodySlots(max: number, share = Math.max(1, Math.floor(max * SOURCE_SHARE))): BodySlots {
  let inUse = 0;
  const bySource = new Map<string, number>();
  const waiting: { source: string; arrived: () => boolean; grant(): void }[] = [];
  const take = (source: string) => {
    inUse += 1;
    bySource.set(source, (bySource.get(source) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      inUse -= 1;
      const held = bySource.get(source)! - 1;
      if (held === 0) bySource.delete(source);
      else bySource.set(source, held);
      pump();
    };
  };
  const mayTake = (source: string) => inUse < max && (bySource.get(source) ?? 0) < share;
  /** Grants free slots to the first waiting requests whose source is under its share: those whose whole bodies have arrived first. */
  const pump = () => {
    for (const arrivedOnly of [true, false]) {
      for (let i = 0; i < waiting.length && inUse < max;) {
        const next = waiting[i]!;
        if ((!arrivedOnly || next.arrived()) && mayTake(next.source)) {
          waiting.splice(i, 1);
          next.grant();
        } else i += 1;
      }
    }
  };
  return {
    get inUse() {
      return inUse;
    },
    acquire(source, cancelled, arrived = () => false) {
      if (mayTake(source) && waiting.length === 0) return Promise.resolve(take(source));
      return new Promise((resolve, reject) => {
        const entry = {
          source,
          arrived,
          grant: () => {
            cancelled.removeEventListener('abort', cancel);
            resolve(take(source));
          },
        };
        const cancel = () => {
          waiting.splice(waiting.indexOf(entry), 1);
          reject(cancelled.reason);
        };
        waiting.push(entry);
        cancelled.addEventListener('abort', cancel, { once: true });
        pump();
      });
    },
  };
}
