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
  /** Commits what is queued, then releases the database. */
  close(): Promise<void>;
}
