import type pg from 'pg';
import type { AccessStore } from './event-store.js';
import { ACCESS_SQL, auditPageParams, auditParams, toAuditPage, toKeyInfo, type AuditRow, type KeyRow } from './access-sql.js';

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
    listAudit: async (q) =>
      toAuditPage((await query<AuditRow>(q.newestFirst ? ACCESS_SQL.auditDescending : ACCESS_SQL.auditAscending, auditPageParams(q))).rows),
  };
}
