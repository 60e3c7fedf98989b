export interface GroupCommitOptions<T, R> {
  /** Commits the items in one transaction (one fsync), all or nothing; throws when nothing was committed. */
  commit(items: T[]): Promise<R[]> | R[];
  /** The most items one transaction takes. */
  maxBatch: number;
  /**
   * How many batches may be committing at once (default 1). More than one only where the
   * backend applies them in submission order anyway (a single writer thread), so the next batch
   * is waiting there the moment the previous one is on disk.
   */
  maxInFlight?: number | undefined;
  /**
   * After a failed batch, whether to retry each item in a transaction of its own, so that one bad
   * item cannot fail its neighbours. Say no for outages (a dead connection), where retrying each
   * item would only multiply the wait. Default: always.
   */
  isolate?: ((error: unknown) => boolean) | undefined;
  /** Told of every batch after it settles: its size, how long it took, and whether all of it committed. */
  onCommit?: ((stats: { size: number; durationMs: number; ok: boolean }) => void) | undefined;
}

interface Waiter<T, R> {
  item: T;
  resolve(value: R): void;
  reject(error: unknown): void;
}

/**
 * Group commit: writes submitted while the event loop is busy share one transaction and one
 * fsync. A batch is flushed on the next turn of the loop (setImmediate), so waiting is bounded
 * by one turn plus the batches ahead; at most `maxBatch` items go in one transaction, and at
 * most `maxInFlight` batches commit at a time.
 */
export class GroupCommit<T, R> {
  private queue: Waiter<T, R>[] = [];
  private scheduled = false;
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly options: GroupCommitOptions<T, R>) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once everything submitted so far has been committed or failed. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.running.size > 0) {
      if (this.running.size > 0) await Promise.race(this.running);
      else this.flush();
    }
  }

  private get full(): boolean {
    return this.running.size >= (this.options.maxInFlight ?? 1);
  }

  private schedule(): void {
    if (this.scheduled || this.full) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (!this.full && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      const run: Promise<void> = this.commitBatch(batch).finally(() => {
        this.running.delete(run);
        if (this.queue.length > 0) this.schedule();
      });
      this.running.add(run);
    }
  }

  private async commitBatch(batch: Waiter<T, R>[]): Promise<void> {
    const started = performance.now();
    let ok = true;
    try {
      const results = await this.options.commit(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i] as R));
    } catch (error) {
      const isolate = batch.length > 1 && (this.options.isolate?.(error) ?? true);
      if (!isolate) {
        ok = false;
        for (const w of batch) w.reject(error);
      } else {
        for (const w of batch) {
          try {
            const [result] = await this.options.commit([w.item]);
            w.resolve(result as R);
          } catch (single) {
            ok = false;
            w.reject(single);
          }
        }
      }
    }
    this.options.onCommit?.({ size: batch.length, durationMs: performance.now() - started, ok });
  }
}
