import type Database from 'better-sqlite3';
import { sqliteStatement } from './sqlite-statement.js';
import type { AccessStore, ActivityCount, AuditRecord, NewAuditRecord } from './event-store.js';
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
import { sqliteParams } from './outbox-sql.js';

type AddKey = Parameters<AccessStore['addKey']>[0];

/** The writes of keys and the audit trail on SQLite, run on a writing connection (the writer thread, or the CLI's). */
export function sqliteAccessWrites(db: Database.Database) {
  const prepare = (sql: string) => sqliteStatement(db, sql);
  const addKey = prepare(ACCESS_SQL.addKey);
  const revokeKey = prepare(ACCESS_SQL.revokeKey);
  const touchKey = prepare(ACCESS_SQL.touchKey);
  const audit = prepare(ACCESS_SQL.audit);
  const startSession = prepare(ACCESS_SQL.startSession);
  const dropIdleSessions = prepare(ACCESS_SQL.dropIdleSessions);
  const touchSession = prepare(ACCESS_SQL.touchSession);
  const endSession = prepare(ACCESS_SQL.endSession);
  const addActivity = prepare(ACCESS_SQL.addActivity);
  const dropActivity = prepare(ACCESS_SQL.dropActivity);
  return {
    addKey: (k: AddKey) => addKey.run(k.name, k.role, k.hash, k.createdAt, k.createdBy) === 1,
    revokeKey: (name: string) => revokeKey.run(name) === 1,
    touchKey: (name: string, at: string) => void touchKey.run(name, at),
    // .all(), never .get(), for a write: .get() can hide the commit's error (see sqlite-writer.ts).
    audit: (record: NewAuditRecord) => String((audit.all(...auditParams(record)) as { seq: number }[])[0]!.seq),
    startSession: db.transaction((tokenHash: string, keyHash: string, now: number, idleBefore: number) => {
      dropIdleSessions.run(idleBefore);
      startSession.run(tokenHash, keyHash, now);
    }),
    touchSession: (tokenHash: string, now: number) => void touchSession.run(tokenHash, now),
    endSession: (tokenHash: string) => void endSession.run(tokenHash),
    addActivity: db.transaction((counts: ActivityCount[], dropBefore: number) => {
      for (const c of counts) addActivity.run(c.hour, c.provider, c.outcome, c.count);
      dropActivity.run(dropBefore);
    }),
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
  const consoleSession = db.prepare(ACCESS_SQL.consoleSession);
  const activity = db.prepare(ACCESS_SQL.activity);
  return {
    startSession: async (...args) => void (await write('startSession', args)),
    touchSession: async (...args) => void (await write('touchSession', args)),
    endSession: async (...args) => void (await write('endSession', args)),
    addActivity: async (...args) => void (await write('addActivity', args)),
    consoleSession: (tokenHash) =>
      read(() => {
        const [row] = consoleSession.all(sqliteParams([tokenHash])) as SessionRow[];
        return row ? toConsoleSession(row) : null;
      }),
    activity: (fromHour) => read(() => (activity.all(sqliteParams([fromHour])) as ActivityRow[]).map(toActivityCount)),
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
