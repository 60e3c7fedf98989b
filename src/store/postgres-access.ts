import type pg from 'pg';
import type { AccessStore } from './event-store.js';
import {
  ACCESS_SQL,
  auditPageParams,
  auditParams,
  toActivityCount,
  toAuditPage,
  toConsoleSession,
  toKeyInfo,
  type ActivityRow,
  type AuditRow,
  type KeyRow,
  type SessionRow,
} from './access-sql.js';

/** Keys and the audit trail on PostgreSQL; `guard` runs each query, its failure said as the store being unavailable. */
export function postgresAccess(pool: pg.Pool, guard: <T>(query: () => Promise<T>) => Promise<T>): AccessStore {
  const query = <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => guard(() => pool.query<R>(text, values));
  return {
    addKey: async (k) => ((await query(ACCESS_SQL.addKey, [k.name, k.role, k.hash, k.createdAt, k.createdBy])).rowCount ?? 0) === 1,
    revokeKey: async (name) => ((await query(ACCESS_SQL.revokeKey, [name])).rowCount ?? 0) === 1,
    touchKey: async (name, at) => void (await query(ACCESS_SQL.touchKey, [name, at])),
    async audit(record) {
      const { rows } = await query<{ seq: string }>(ACCESS_SQL.audit, auditParams(record));
      return { ...record, seq: String(rows[0]!.seq), detail: record.detail };
    },
    listKeys: async () => (await query<KeyRow>(ACCESS_SQL.listKeys)).rows.map(toKeyInfo),
    async keyByHash(hash) {
      const [row] = (await query<KeyRow>(ACCESS_SQL.keyByHash, [hash])).rows;
      return row ? toKeyInfo(row) : null;
    },
    async startSession(tokenHash, keyHash, now, idleBefore) {
      await query(ACCESS_SQL.dropIdleSessions, [idleBefore]);
      await query(ACCESS_SQL.startSession, [tokenHash, keyHash, now]);
    },
    async consoleSession(tokenHash) {
      const [row] = (await query<SessionRow>(ACCESS_SQL.consoleSession, [tokenHash])).rows;
      return row ? toConsoleSession(row) : null;
    },
    touchSession: async (tokenHash, now) => void (await query(ACCESS_SQL.touchSession, [tokenHash, now])),
    endSession: async (tokenHash) => void (await query(ACCESS_SQL.endSession, [tokenHash])),
    // Each count is one atomic upsert: replicas add theirs to the same rows.
    async addActivity(counts, dropBefore) {
      for (const c of counts) await query(ACCESS_SQL.addActivity, [c.hour, c.provider, c.outcome, c.count]);
      await query(ACCESS_SQL.dropActivity, [dropBefore]);
    },
    activity: async (fromHour) => (await query<ActivityRow>(ACCESS_SQL.activity, [fromHour])).rows.map(toActivityCount),
    listAudit: async (q) =>
      toAuditPage((await query<AuditRow>(q.newestFirst ? ACCESS_SQL.auditDescending : ACCESS_SQL.auditAscending, auditPageParams(q))).rows),
  };
}
