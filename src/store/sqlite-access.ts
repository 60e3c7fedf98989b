import type Database from 'better-sqlite3';
import { sqliteStatement } from './sqlite-statement.js';
import type { AccessStore, AuditRecord, NewAuditRecord } from './event-store.js';
import { ACCESS_SQL, auditPageParams, auditParams, toAuditPage, toKeyInfo, type AuditRow, type KeyRow } from './access-sql.js';
import { sqliteParams } from './outbox-sql.js';

type AddKey = Parameters<AccessStore['addKey']>[0];

/** The writes of keys and the audit trail on SQLite, run on a writing connection (the writer thread, or the CLI's). */
export function sqliteAccessWrites(db: Database.Database) {
  const prepare = (sql: string) => sqliteStatement(db, sql);
  const addKey = prepare(ACCESS_SQL.addKey);
  const revokeKey = prepare(ACCESS_SQL.revokeKey);
  const touchKey = prepare(ACCESS_SQL.touchKey);
  const audit = prepare(ACCESS_SQL.audit);
  return {
    addKey: (k: AddKey) => addKey.run(k.name, k.role, k.hash, k.createdAt, k.createdBy) === 1,
    revokeKey: (name: string) => revokeKey.run(name) === 1,
    touchKey: (name: string, at: string) => void touchKey.run(name, at),
    // .all(), never .get(), for a write: .get() can hide the commit's error (see sqlite-writer.ts).
    audit: (record: NewAuditRecord) => String((audit.all(...auditParams(record)) as { seq: number }[])[0]!.seq),
  };
}

export type AccessWriteOp = keyof ReturnType<typeof sqliteAccessWrites>;

/** Keys and the audit trail on SQLite: reads on `db` (this thread's connection), writes sent to `write`. */
export function sqliteAccess(
  db: Database.Database,
  read: <T>(query: () => T) => Promise<T>,
  write: (op: AccessWriteOp, args: unknown[]) => Promise<unknown>,
): AccessStore {
  const listKeys = db.prepare(ACCESS_SQL.listKeys);
  const keyByHash = db.prepare(ACCESS_SQL.keyByHash);
  const ascending = db.prepare(ACCESS_SQL.auditAscending);
  const descending = db.prepare(ACCESS_SQL.auditDescending);
  return {
    addKey: async (key) => (await write('addKey', [key])) as boolean,
    revokeKey: async (name) => (await write('revokeKey', [name])) as boolean,
    touchKey: async (name, at) => void (await write('touchKey', [name, at])),
    async audit(record): Promise<AuditRecord> {
      const seq = (await write('audit', [record])) as string;
      return { ...record, seq, detail: record.detail };
    },
    listKeys: () => read(() => (listKeys.all() as KeyRow[]).map(toKeyInfo)),
    keyByHash: (hash) =>
      read(() => {
        const [row] = keyByHash.all(sqliteParams([hash])) as KeyRow[];
        return row ? toKeyInfo(row) : null;
      }),
    listAudit: (query) =>
      read(() => {
        const params = auditPageParams(query);
        params[2] = Number(params[2]);
        return toAuditPage((query.newestFirst ? descending : ascending).all(sqliteParams(params)) as AuditRow[]);
      }),
  };
}
