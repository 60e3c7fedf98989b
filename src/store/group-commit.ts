/** One item's fate in a batch. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface GroupCommitOptions<T, R> {
  /** Commits all items in one transaction (one fsync); returns each item's fate, in order. */
  commit(items: T[]): Promise<Settled<R>[]> | Settled<R>[];
  /** The most items one transaction takes. */
  maxBatch: number;
  /** Told of every batch after it settles: its size, how long the commit took, and whether all of it committed. */
  onCommit?: ((stats: { size: number; durationMs: number; ok: boolean }) => void) | undefined;
}

/**
 * Group commit: writes submitted while the event loop is busy share one transaction and one
 * fsync. A batch is flushed on the next turn of the loop (setImmediate), so waiting is bounded
 * by one turn, and at most `maxBatch` items go in one transaction. One batch commits at a time.
 */
export class GroupCommit<T, R> {
  private queue: { item: T; resolve(value: R): void; reject(error: unknown): void }[] = [];
  private scheduled = false;
  private running: Promise<void> | null = null;

  constructor(private readonly options: GroupCommitOptions<T, R>) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once everything submitted so far has been committed or failed. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.running) {
      if (this.running) await this.running;
      else await this.flush();
    }
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private flush(): Promise<void> {
    if (this.running || this.queue.length === 0) return this.running ?? Promise.resolve();
    const batch = this.queue.splice(0, this.options.maxBatch);
    this.running = (async () => {
      let results: Settled<R>[];
      const started = performance.now();
      try {
        results = await this.options.commit(batch.map((b) => b.item));
      } catch (error) {
        results = batch.map(() => ({ ok: false, error }));
      }
      this.options.onCommit?.({ size: batch.length, durationMs: performance.now() - started, ok: results.every((r) => r.ok) });
      batch.forEach((waiter, i) => {
        const result = results[i] ?? { ok: false, error: new Error('group commit returned too few results') };
        if (result.ok) waiter.resolve(result.value);
        else waiter.reject(result.error);
      });
    })().finally(() => {
      this.running = null;
      if (this.queue.length > 0) this.schedule();
    });
    return this.running;
  }
}
