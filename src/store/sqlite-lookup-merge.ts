/**
 * Keeps SQLite's lookup tables (migration 2) filled, from the writer thread. An index on a
 * random key written event by event touches a page per event; written in sorted batches, each
 * page takes many keys at once. So the keys of new events (id, session, reference) wait here,
 * bucketed by key range, and once enough wait they are merged into `lookups_young`, a key range
 * (slice) per transaction, between commits; from time to time that table moves into `lookups`
 * (see PROMOTE_RATIO). `lookup_mark` says up to which event every key is merged; the
 * ids of the events after it are in `recent_ids` (which the last slice of a merge empties up to
 * the new mark), and readers scan those events for a session or reference (sqlite-store.ts).
 * What waits here is only a copy of the log's tail: a restarted writer reads it again.
 */
import type Database from 'better-sqlite3';
import { lookupKey } from './lookup-key.js';

/**
 * Keys waiting (three per event) before a merge starts. More keys per merge means fewer page
 * writes per key, and a longer tail for readers to scan (16 000 events: about 3 ms).
 */
export const MERGE_AT_KEYS = 49_152;
/**
 * Slices per merge, each its own transaction: a commit waits for one slice at most. With 1 000 000
 * events, 256 slices (about 2 ms each) gave a tenth off p99 against 64 (about 5 ms), for the same throughput.
 */
export const MERGE_SLICES = 256;
/**
 * Two levels: merges go into `lookups_young`, and when it covers 1/PROMOTE_RATIO as many events
 * as `lookups` (at least PROMOTE_AT_EVENTS), it is moved into `lookups`, a key range per
 * transaction. A merge into one table of 3 000 000 keys touched nearly every page of it for
 * 49 000 keys; now a merge touches at most the young eighth, and each key moves up once. (A
 * merge's cost still grows with the log, eight times more slowly.)
 */
export const PROMOTE_RATIO = 8;
export const PROMOTE_AT_EVENTS = 100_000;
/** Keys moved per promotion transaction (about a millisecond). */
const PROMOTE_SLICE_KEYS = 2048;
/** After a failed slice (a full disk, say), merging waits this long before it tries again. */
const RETRY_AFTER_MS = 1000;
const KEY_RANGE = 2 ** 53;

/** Tests use small ones, to merge and promote after a few events. */
export interface LookupMergeSizes {
  /** Keys waiting before a merge starts (MERGE_AT_KEYS). */
  mergeAt?: number | undefined;
  /** Events in `lookups_young` before it may move into `lookups` (PROMOTE_AT_EVENTS). */
  promoteAt?: number | undefined;
}

interface TailRow {
  seq: number;
  id: string;
  session_id: string | null;
  reference: string | null;
}

export class LookupMerge {
  /** Per slice, flat [key, seq, key, seq, ...]. */
  private buckets: number[][] = Array.from({ length: MERGE_SLICES }, () => []);
  private waiting = 0;
  private lastSeen: number;
  /** The merge or promotion under way: a transaction per slice, one per turn of the thread's loop. */
  private job: { slice: number; slices: number; run(slice: number): void; done?(): void } | undefined;
  /** Events up to `mark` have their keys in the tables; those up to `youngFrom` in `lookups` itself. */
  private mark: number;
  private youngFrom: number;
  private retryAt = 0;
  private stopped = false;
  private readonly newerThan: Database.Statement;
  private readonly mergeSlice: Database.Transaction<(pairs: number[], order: number[], upto: number | undefined) => void>;
  private readonly promoteSlice: Database.Transaction<(from: number, to: number, upTo: number | undefined) => void>;

  private readonly mergeAt: number;
  private readonly promoteAt: number;

  constructor(
    db: Database.Database,
    sizes: LookupMergeSizes = {},
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    this.mergeAt = sizes.mergeAt ?? MERGE_AT_KEYS;
    this.promoteAt = sizes.promoteAt ?? PROMOTE_AT_EVENTS;
    this.newerThan = db.prepare('SELECT seq, id, session_id, reference FROM events WHERE seq > ? ORDER BY seq');
    const insert = db.prepare('INSERT OR IGNORE INTO lookups_young (key, seq) VALUES (?, ?)');
    const setMark = db.prepare('UPDATE lookup_mark SET seq = max(seq, ?) WHERE id = 1');
    const forgetRecent = db.prepare('DELETE FROM recent_ids WHERE seq <= (SELECT seq FROM lookup_mark WHERE id = 1)');
    this.mergeSlice = db.transaction((pairs: number[], order: number[], upto: number | undefined) => {
      for (const i of order) insert.run(pairs[i], pairs[i + 1]);
      if (upto !== undefined) {
        setMark.run(upto);
        forgetRecent.run();
      }
    });
    const moveUp = db.prepare(
      'INSERT OR IGNORE INTO lookups (key, seq) SELECT key, seq FROM lookups_young WHERE key >= ? AND key < ? ORDER BY key, seq',
    );
    const dropYoung = db.prepare('DELETE FROM lookups_young WHERE key >= ? AND key < ?');
    const setYoungFrom = db.prepare('UPDATE lookup_mark SET young_from = max(young_from, ?) WHERE id = 1');
    this.promoteSlice = db.transaction((from: number, to: number, upTo: number | undefined) => {
      moveUp.run(from, to);
      dropYoung.run(from, to);
      if (upTo !== undefined) setYoungFrom.run(upTo);
    });
    const state = db.prepare('SELECT seq, young_from FROM lookup_mark WHERE id = 1').get() as { seq: number; young_from: number };
    this.mark = state.seq;
    this.youngFrom = state.young_from;
    this.lastSeen = state.seq;
    this.catchUp();
  }

  /**
   * Takes in the events committed since this writer last looked: at start, those a merge had not
   * reached; later, those another process wrote to the same file. Call it first in each write
   * transaction (under the write lock); usually it finds none.
   */
  catchUp(): void {
    for (const row of this.newerThan.iterate(this.lastSeen) as Iterable<TailRow>) this.add(row.seq, row.id, row.session_id, row.reference);
  }

  /** An event this writer has committed. */
  add(seq: number, id: string, sessionId: string | null, reference: string | null): void {
    this.push(lookupKey('id', id), seq);
    if (sessionId !== null) this.push(lookupKey('session', sessionId), seq);
    if (reference !== null) this.push(lookupKey('reference', reference), seq);
    if (seq > this.lastSeen) this.lastSeen = seq;
  }

  /**
   * After a commit, and after a merge or promotion (keys kept coming meanwhile): starts a
   * promotion when `lookups_young` is due to move up, else a merge once enough keys wait.
   */
  afterCommit(): void {
    if (this.job || this.stopped || Date.now() < this.retryAt) return;
    if (this.mark - this.youngFrom >= Math.max(this.promoteAt, this.youngFrom / PROMOTE_RATIO)) {
      const upTo = this.mark;
      const slices = Math.max(1, Math.ceil((3 * (upTo - this.youngFrom)) / PROMOTE_SLICE_KEYS));
      this.start(
        slices,
        (slice) => this.promoteRange(slice, slices, upTo),
        () => (this.youngFrom = Math.max(this.youngFrom, upTo)),
      );
    } else if (this.waiting >= this.mergeAt) {
      this.start(MERGE_SLICES, (slice) => this.mergeBucket(slice));
    }
  }

  stop(): void {
    this.stopped = true;
  }

  private push(key: number, seq: number): void {
    this.buckets[Math.floor((key / KEY_RANGE) * MERGE_SLICES)]!.push(key, seq);
    this.waiting += 1;
  }

  /**
   * The mark once `slice` is merged too: every event up to it has its keys in the tables, as no
   * key still waiting is older (keys that came during the merge were taken by later slices, or
   * wait for the next merge).
   */
  private mergedUpTo(slice: number): number {
    let upTo = this.lastSeen;
    this.buckets.forEach((pairs, i) => {
      if (i !== slice) for (let j = 1; j < pairs.length; j += 2) upTo = Math.min(upTo, pairs[j]! - 1);
    });
    return upTo;
  }

  private start(slices: number, run: (slice: number) => void, done?: () => void): void {
    this.job = { slice: 0, slices, run, done };
    setImmediate(this.step);
  }

  private readonly step = (): void => {
    const job = this.job;
    if (!job || this.stopped) return;
    try {
      job.run(job.slice);
    } catch (error) {
      // What was merged or moved stays; the job starts over (idempotent) after RETRY_AFTER_MS.
      this.job = undefined;
      this.retryAt = Date.now() + RETRY_AFTER_MS;
      this.onError(error);
      return;
    }
    job.slice += 1;
    if (job.slice < job.slices) {
      setImmediate(this.step);
      return;
    }
    this.job = undefined;
    job.done?.();
    this.afterCommit();
  };

  /** Moves one key range of `lookups_young` into `lookups`; the last one records how far that reaches. */
  private promoteRange(slice: number, slices: number, upTo: number): void {
    const last = slice === slices - 1;
    const from = Math.floor((slice * KEY_RANGE) / slices);
    this.promoteSlice.immediate(from, last ? KEY_RANGE : Math.floor(((slice + 1) * KEY_RANGE) / slices), last ? upTo : undefined);
  }

  /** Merges one bucket (a key range) into `lookups_young`; the last one moves the mark. */
  private mergeBucket(slice: number): void {
    const last = slice === MERGE_SLICES - 1;
    const pairs = this.buckets[slice]!;
    if (pairs.length === 0 && !last) return;
    const order = Array.from({ length: pairs.length / 2 }, (_, i) => i * 2).sort(
      (a, b) => pairs[a]! - pairs[b]! || pairs[a + 1]! - pairs[b + 1]!,
    );
    const upTo = last ? this.mergedUpTo(slice) : undefined;
    this.mergeSlice.immediate(pairs, order, upTo);
    if (upTo !== undefined) this.mark = Math.max(this.mark, upTo);
    this.buckets[slice] = [];
    this.waiting -= pairs.length / 2;
  }
}
