import type { Role } from '../access/roles.js';
import type { AccessKeyInfo, AuditQuery, AuditRecord, NewAuditRecord, Page } from './event-store.js';
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
} as const;

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
