import type { Role } from '../access/roles.js';
import type { ProviderName } from '../providers/provider.js';

/**
 * An event to append. Its `id` is derived from what makes it the same event (a SHA-256 of the
 * provider's deduplication key), so a redelivery has the same id, on every replica; the database
 * enforces its uniqueness.
 */
export interface NewEvent {
  id: string;
  provider: ProviderName;
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
  provider: ProviderName;
  type: string;
  sessionId: string | null;
  reference: string | null;
  status: string | null;
  vendorTime: string | null;
  integration: string | null;
  receivedAt: string;
  lastDeliveredAt: string;
  deliveries: number;
  payload: unknown;
  rawBody: string;
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
  /** Where these events are still queued (any sink), by seq. */
  queuedFor(seqs: string[]): Promise<QueuedItem[]>;
  parked(query: { sink?: string | undefined; after?: string | undefined; limit: number }): Promise<Page<ParkedItem>>;
  /** Queues parked items again (all of a sink's, or one event's); returns how many. */
  redrive(query: { sink?: string | undefined; eventId?: string | undefined }, now: number): Promise<number>;
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

/** Named access keys (hashes only) and the append-only audit trail, shared by every replica. */
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
  /** Whether the store accepts writes now: the latest commit's outcome, else a real probe shared by callers for a second. */
  check(): Promise<StoreHealth>;
  outbox: Outbox;
  access: AccessStore;
  /** Commits what is queued, then releases the database. */
  close(): Promise<void>;
}
