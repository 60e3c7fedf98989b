import type { Role } from '../access/roles.js';
import type {
  AccessKeyInfo,
  ActivityCount,
  ActivityOutcome,
  AuditQuery,
  AuditRecord,
  ConsoleSession,
  NewAuditRecord,
  Page,
} from './event-store.js';
import { toPage } from './rows.js';

/**
 * The statements of access keys and the audit trail, written once for both backends: `$n`
 * parameters (PostgreSQL's, and SQLite's named `$1`, `$2`, bound from an object).
 */
export const ACCESS_SQL = {
  addKey: `INSERT INTO access_keys (name, role, key_hash, created_at, created_by) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (name) DO NOTHING`,
  revokeKey: 'DELETE FROM access_keys WHERE name = $1',
  listKeys: 'SELECT name, role, created_at, created_by, last_used_at FROM access_keys ORDER BY name',
  keyByHash: 'SELECT name, role, created_at, created_by, last_used_at FROM access_keys WHERE key_hash = $1',
  touchKey: 'UPDATE access_keys SET last_used_at = $2 WHERE name = $1',
  audit: `INSERT INTO audit (at, actor, role, action, subject, reason, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
          RETURNING seq`,
  /** $1 actor or null, $2 subject or null, $3 the cursor, $4 limit. */
  auditAscending: `SELECT * FROM audit WHERE (CAST($1 AS TEXT) IS NULL OR actor = $1) AND (CAST($2 AS TEXT) IS NULL OR subject = $2)
                   AND seq > $3 ORDER BY seq LIMIT $4`,
  auditDescending: `SELECT * FROM audit WHERE (CAST($1 AS TEXT) IS NULL OR actor = $1) AND (CAST($2 AS TEXT) IS NULL OR subject = $2)
                    AND seq < $3 ORDER BY seq DESC LIMIT $4`,
  startSession: 'INSERT INTO console_sessions (token_hash, key_hash, created_at, last_seen_at) VALUES ($1, $2, $3, $3)',
  dropIdleSessions: 'DELETE FROM console_sessions WHERE last_seen_at < $1',
  consoleSession: 'SELECT key_hash, created_at, last_seen_at FROM console_sessions WHERE token_hash = $1',
  touchSession: 'UPDATE console_sessions SET last_seen_at = $2 WHERE token_hash = $1',
  endSession: 'DELETE FROM console_sessions WHERE token_hash = $1',
  addActivity: `INSERT INTO activity (hour, provider, outcome, count) VALUES ($1, $2, $3, $4)
                ON CONFLICT (hour, provider, outcome) DO UPDATE SET count = activity.count + excluded.count`,
  dropActivity: 'DELETE FROM activity WHERE hour < $1',
  activity: 'SELECT hour, provider, outcome, count FROM activity WHERE hour >= $1 ORDER BY hour, provider, outcome',
} as const;

export type SessionRow = { key_hash: string; created_at: number | string; last_seen_at: number | string };
export const toConsoleSession = (r: SessionRow): ConsoleSession => ({
  keyHash: r.key_hash,
  createdAt: Number(r.created_at),
  lastSeenAt: Number(r.last_seen_at),
});

export type ActivityRow = { hour: number | string; provider: string; outcome: ActivityOutcome; count: number | string };
export const toActivityCount = (r: ActivityRow): ActivityCount => ({
  hour: Number(r.hour),
  provider: r.provider,
  outcome: r.outcome,
  count: Number(r.count),
});

/** Above any seq either backend hands out: the start of a newest-first page. */
const END = '9223372036854775807';

export interface KeyRow {
  name: string;
  role: Role;
  created_at: string | Date;
  created_by: string;
  last_used_at: string | Date | null;
}

export interface AuditRow {
  seq: number | string;
  at: string | Date;
  actor: string;
  role: Role | null;
  action: AuditRecord['action'];
  subject: string | null;
  reason: string | null;
  outcome: string;
  detail: string | null;
}

const iso = (value: string | Date) => (typeof value === 'string' ? value : value.toISOString());

export const toKeyInfo = (r: KeyRow): AccessKeyInfo => ({
  name: r.name,
  role: r.role,
  createdAt: iso(r.created_at),
  createdBy: r.created_by,
  lastUsedAt: r.last_used_at === null ? null : iso(r.last_used_at),
});

export const toAuditPage = (rows: AuditRow[]): Page<AuditRecord> =>
  toPage(rows, (r) => ({
    seq: String(r.seq),
    at: iso(r.at),
    actor: r.actor,
    role: r.role,
    action: r.action,
    subject: r.subject,
    reason: r.reason,
    outcome: r.outcome,
    detail: r.detail === null ? undefined : (JSON.parse(r.detail) as Record<string, unknown>),
  }));

/** The parameters of an audit insert, in ACCESS_SQL.audit's order. */
export const auditParams = (r: NewAuditRecord) => [
  r.at,
  r.actor,
  r.role,
  r.action,
  r.subject,
  r.reason,
  r.outcome,
  r.detail === undefined ? null : JSON.stringify(r.detail),
];

/** The parameters of an audit page, in the order of ACCESS_SQL.auditAscending / auditDescending. */
export const auditPageParams = (q: AuditQuery) => [q.actor ?? null, q.subject ?? null, q.after ?? (q.newestFirst ? END : '0'), q.limit];
