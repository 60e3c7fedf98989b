import type { Role } from '../access/roles.js';
import type { ProviderName } from '../providers/provider.js';

/** Who an event comes from: a vendor, or the service itself (an erasure notice). */
export type EventSource = ProviderName | 'ine-webhooks';

/**
 * An event to append. Its `id` is derived from what makes it the same event (a SHA-256 of the
 * provider's deduplication key), so a redelivery has the same id, on every replica; the database
 * enforces its uniqueness.
 */
export interface NewEvent {
  id: string;
  provider: EventSource;
  type: string;
  sessionId: string | null;
  reference: string | null;
  status: string | null;
  /** The vendor's own time of the event, as sent (Veriff's `time` or `verification.decisionTime`). */
  vendorTime: string | null;
  integration: string | null;
  receivedAt: string;
  /** The exact request bytes (valid UTF-8 JSON), so a signature can be re-checked later; the payload is this, parsed. */
  rawBody: string;
  /** Set by the store as it seals `rawBody` (PAYLOAD_KEYS): the key's id, or null in clear. Callers leave it out. */
  keyId?: string | null | undefined;
  /**
   * Where the event goes next (sinks, follow-up fetches), queued in the same transaction when it
   * is newly stored; a redelivery queues nothing. Left out, the store's own routing decides.
   */
  outbox?: OutboxEntry[] | undefined;
}

/** One queue an event enters: a sink's name, and the earliest time (Unix ms) it is due. */
export interface OutboxEntry {
  sink: string;
  notBefore: number;
}

export interface StoredEvent {
  id: string;
  seq: string;
  provider: EventSource;
  type: string;
  sessionId: string | null;
  reference: string | null;
  status: string | null;
  vendorTime: string | null;
  integration: string | null;
  receivedAt: string;
  lastDeliveredAt: string;
  deliveries: number;
  /** The JSON payload; null once erased. */
  payload: unknown;
  /** The exact bytes received; empty once erased. */
  rawBody: string;
  /** When the body was destroyed (erasure, retention); null while it is kept. */
  erasedAt: string | null;
  /** Its subject is blocked: the body is kept but never shown, exported or forwarded. */
  blocked: boolean;
}

export interface AppendResult {
  id: string;
  seq: string;
  deliveries: number;
  /** True when the event was already stored and this delivery was only counted. */
  duplicate: boolean;
}

export interface NewQuarantineItem {
  provider: ProviderName;
  reason: 'invalid_json' | 'invalid_payload';
  issues: { path: string; message: string }[];
  rawBody: Buffer;
  receivedAt: string;
  /** Set by the store as it seals `rawBody`: the SHA-256 of the bytes received (redeliveries are counted by it) and the key's id. */
  bodyHash?: string | undefined;
  keyId?: string | null | undefined;
}

export interface QuarantineItem {
  id: string;
  provider: ProviderName;
  reason: string;
  receivedAt: string;
  lastDeliveredAt: string;
  issues: { path: string; message: string }[];
  /** The bytes as UTF-8 text, or base64 when they are not valid UTF-8 (see rawBodyEncoding). */
  rawBody: string;
  rawBodyEncoding: 'utf8' | 'base64';
  deliveries: number;
  /** When the bytes were destroyed (erasure, retention); null while they are kept. */
  erasedAt: string | null;
}

export interface EventQuery {
  provider?: ProviderName | undefined;
  sessionId?: string | undefined;
  reference?: string | undefined;
  /** Exclusive cursor: events after this position. */
  after?: string | undefined;
  limit: number;
  /** The newest `limit` events, newest first (for a tail); default oldest first. */
  newestFirst?: boolean | undefined;
  /** A page stops early once its stored bodies reach this many bytes (always at least one event); default MAX_PAGE_BYTES. */
  maxBytes?: number | undefined;
}

/** About how much stored body one page of events holds at most: a read of any log stays bounded. */
export const MAX_PAGE_BYTES = 8 * 1024 * 1024;

export interface Page<T> {
  items: T[];
  /** The cursor just after the last item returned; null only when nothing was returned. */
  next: string | null;
}

/** An event due at a sink. */
export interface OutboxItem {
  sink: string;
  seq: string;
  /** Failed attempts so far. */
  attempts: number;
  /** When it was queued (Unix ms): its age decides parking (FORWARD_MAX_AGE). */
  queuedAt: number;
  event: StoredEvent;
}

/** What a relay tells the outbox after trying items: the delivered ones, and at most one failure. */
export interface OutboxSettlement {
  delivered: string[];
  /** `failure`: counted as one (a RetryLater is not: it only reschedules). */
  failed?: { seq: string; error: string; at: number; nextAttemptAt: number; park: boolean; failure: boolean } | undefined;
}

export interface SinkStats {
  sink: string;
  delivered: number;
  failures: number;
  pending: number;
  parked: number;
  /** Items of blocked subjects, kept and not sent until the block is lifted (or the subject erased). */
  held: number;
  /** When the oldest pending item was queued (Unix ms); null when none is pending. */
  oldestPendingAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
}

/** An event still queued somewhere: a sink or a follow-up fetch, pending or parked. */
export interface QueuedItem {
  sink: string;
  seq: string;
  state: 'pending' | 'parked';
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
}

export interface ParkedItem {
  sink: string;
  seq: string;
  eventId: string;
  provider: string;
  type: string;
  sessionId: string | null;
  attempts: number;
  queuedAt: number;
  lastError: string | null;
}

/**
 * The outbox: events queued per sink in the transaction that stored them, drained by relays.
 * A sink is drained by the holder of its lease only, so each item is in flight from one process
 * at a time, in seq order for ordered sinks.
 */
export interface Outbox {
  /** Takes, or renews, the sink's lease for `owner` until `until`; false when another owner holds an unexpired one. */
  lease(sink: string, owner: string, now: number, until: number): Promise<boolean>;
  /** Gives the lease up (on stop), so another process may take it at once. */
  release(sink: string, owner: string): Promise<void>;
  /**
   * Pending items due at `now`. Ordered: from the head of the queue in seq order, stopping at the
   * first one not yet due (a failed head holds the rest back). Unordered: any due ones.
   */
  due(sink: string, now: number, limit: number, ordered: boolean): Promise<OutboxItem[]>;
  settle(sink: string, settlement: OutboxSettlement): Promise<void>;
  stats(): Promise<SinkStats[]>;
  /** Where these events are still queued in these queues (the caller names them: the store knows none), by seq. */
  queuedFor(seqs: string[], queues: readonly string[]): Promise<QueuedItem[]>;
  parked(query: { sink?: string | undefined; after?: string | undefined; limit: number }): Promise<Page<ParkedItem>>;
  /** Queues parked items again (all of a sink's, or one event's); returns how many. */
  redrive(query: { sink?: string | undefined; eventId?: string | undefined }, now: number): Promise<number>;
  /** Queues stored events again for one sink (see ReplayQuery); returns how many (with dryRun, how many it would). */
  replay(query: ReplayQuery, now: number): Promise<number>;
}

/**
 * Stored events to queue again for one sink, in seq order: those received in [since, until) and of
 * `type`, when given; never a blocked or erased one, nor one already queued there.
 */
export interface ReplayQuery {
  sink: string;
  /** ISO 8601 instants, compared with the time each event was received. */
  since?: string | undefined;
  until?: string | undefined;
  type?: string | undefined;
  /** Only count. */
  dryRun?: boolean | undefined;
}

/** What the audit trail records an action as. */
export type AuditAction =
  'read_payload' | 'export' | 'block' | 'unblock' | 'erase' | 'redrive' | 'replay' | 'key_add' | 'key_revoke' | 'refused';

/** One record of the audit trail: who did what to which subject (ids only), why, and how it ended. */
export interface NewAuditRecord {
  at: string;
  /** A key's name, the SSO proxy's identity, `admin-token`, `cli:<os user>`, or `unknown` for a refused request. */
  actor: string;
  role: Role | null;
  action: AuditAction;
  /** An event id, a session id, a reference, a key name, or a sink: never payload content. */
  subject: string | null;
  reason: string | null;
  /** `ok`, `refused`, `not_found`, or a short word of what happened. */
  outcome: string;
  /** Ids and counts only (the events served, the route asked for). */
  detail?: Record<string, unknown> | undefined;
}

export interface AuditRecord extends NewAuditRecord {
  seq: string;
  detail: Record<string, unknown> | undefined;
}

export interface AuditQuery {
  actor?: string | undefined;
  subject?: string | undefined;
  /** Exclusive cursor: records after this seq (oldest first) or, with newestFirst, before it. */
  after?: string | undefined;
  newestFirst?: boolean | undefined;
  limit: number;
}

export interface AccessKeyInfo {
  name: string;
  role: Role;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
}

/** A browser signed in to the console: found by its cookie's hash, tied to the key it signed in with. */
export interface ConsoleSession {
  /** The SHA-256 of the access key (or ADMIN_TOKEN) it signed in with: looked up again on every page. */
  keyHash: string;
  createdAt: number;
  lastSeenAt: number;
}

/** What became of a webhook delivery, as the console's Activity chart counts it. */
export type ActivityOutcome = 'stored' | 'duplicate' | 'quarantined' | 'refused';

/** Deliveries of one Unix hour (`hour` = ms / 3 600 000), vendor and outcome. */
export interface ActivityCount {
  hour: number;
  provider: string;
  outcome: ActivityOutcome;
  count: number;
}

/**
 * Named access keys (hashes only), the append-only audit trail, the console's sign-ins and the
 * delivery activity counts: what the people of the admin listener use, shared by every replica.
 */
export interface AccessStore {
  /** Adds a key; false when the name is taken. */
  addKey(key: { name: string; role: Role; hash: string; createdAt: string; createdBy: string }): Promise<boolean>;
  /** Removes a key; false when there was none of that name. */
  revokeKey(name: string): Promise<boolean>;
  listKeys(): Promise<AccessKeyInfo[]>;
  /** The key whose hash this is, read from the store on every call (a revocation counts at once). */
  keyByHash(hash: string): Promise<AccessKeyInfo | null>;
  /** Records when a key was last used. */
  touchKey(name: string, at: string): Promise<void>;
  /** Appends one record, durably, before resolving. */
  audit(record: NewAuditRecord): Promise<AuditRecord>;
  listAudit(query: AuditQuery): Promise<Page<AuditRecord>>;
  /** Starts a console session (its cookie's hash); sessions idle since before `idleBefore` are dropped on the way. */
  startSession(tokenHash: string, keyHash: string, now: number, idleBefore: number): Promise<void>;
  consoleSession(tokenHash: string): Promise<ConsoleSession | null>;
  touchSession(tokenHash: string, now: number): Promise<void>;
  endSession(tokenHash: string): Promise<void>;
  /** Adds this process's counts to the shared ones; hours before `dropBefore` are deleted. */
  addActivity(counts: ActivityCount[], dropBefore: number): Promise<void>;
  /** The counts from hour `fromHour` on, oldest first. */
  activity(fromHour: number): Promise<ActivityCount[]>;
}

/** Whom a personal-data action is about: the company's customer reference, or one vendor session. */
export interface Subject {
  kind: 'reference' | 'session';
  id: string;
}

export interface BlockInfo {
  kind: 'reference' | 'session';
  subject: string;
  /** The subject the admin named (`reference:R` or `session:S`): a reference's sessions are blocked under it. */
  origin: string;
  until: string;
  reason: string;
  createdAt: string;
  createdBy: string;
}

/** Where a sweep or a re-sealing pass goes on from: the last seq looked at, per table. */
export interface PassCursor {
  events: string;
  quarantine: string;
}

/**
 * Blocking, erasure, retention and re-sealing, each statement sequence in one transaction of the
 * store's (both backends). Callers (src/privacy) decide what to act on and record it in the audit trail.
 */
export interface PrivacyStore {
  /** Blocks the subject until `until`: its bodies are kept, never shown or forwarded (queued items held). Returns the events it covers. */
  block(subject: Subject, block: { until: string; reason: string; at: string; by: string }): Promise<number>;
  /** Lifts the subject's block (and its sessions'); held items go on. Returns the events no longer blocked. */
  unblock(subject: Subject): Promise<number>;
  /** The blocks under one origin subject, or all. */
  blocks(subject?: Subject): Promise<BlockInfo[]>;
  /** The ids of the subject's events (erased or not), oldest first. */
  subjectEventIds(subject: Subject): Promise<string[]>;
  /**
   * Destroys the body of every event of the subject and of the given quarantined deliveries, drops
   * their queued items and blocks, and stores `event` (the erasure notice, queued for every sink),
   * all in one transaction; on SQLite no byte of an erased body is left in any file when it returns.
   * Returns how many events it erased.
   */
  erase(subject: Subject, erasure: { at: string; quarantineIds: string[]; event: NewEvent }): Promise<number>;
  /** Destroys the bodies of events and quarantined deliveries received before `cutoff`s, a batch from `after`. */
  sweep(
    after: PassCursor,
    cutoffs: { events: string | null; quarantine: string | null },
    at: string,
    limit: number,
  ): Promise<{ next: PassCursor; erased: number; done: boolean }>;
  /** The subjects whose block's date has come (`until` <= now). */
  expiredBlocks(now: string): Promise<Subject[]>;
  /** Re-seals a batch of bodies not sealed with the current key (or in clear), from `after`. */
  rekey(after: PassCursor, limit: number): Promise<{ next: PassCursor; resealed: number; done: boolean }>;
  /** The ids of every PAYLOAD_KEYS key some stored body is sealed with. */
  keysInUse(): Promise<string[]>;
}

export type StoreHealth = { ok: true } | { ok: false; reason: string };

/** The event log. Writes resolve only once durably committed; failures reject with StoreUnavailableError. */
export interface EventStore {
  /** Appends an event, or counts a redelivery of one already stored. */
  append(event: NewEvent): Promise<AppendResult>;
  /** Keeps an authentic payload that failed parsing; the same bytes again are counted, not stored twice. */
  quarantine(item: NewQuarantineItem): Promise<{ id: string; deliveries: number; duplicate: boolean }>;
  /** Events oldest first, filtered, from a cursor. */
  listEvents(query: EventQuery): Promise<Page<StoredEvent>>;
  getEvent(id: string): Promise<StoredEvent | null>;
  listQuarantine(query: { after?: string | undefined; limit: number }): Promise<Page<QuarantineItem>>;
  getQuarantineItem(id: string): Promise<QuarantineItem | null>;
  /** This installation's id, the same for every replica of it (one database): OAuth tokens carry it. */
  installationId(): Promise<string>;
  /** Whether the store accepts writes now: the latest commit's outcome, else a real probe shared by callers for a second. */
  check(): Promise<StoreHealth>;
  outbox: Outbox;
  access: AccessStore;
  privacy: PrivacyStore;
  /** Commits what is queued, then releases the database. */
  close(): Promise<void>;
}
