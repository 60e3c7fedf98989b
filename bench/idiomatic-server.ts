/**
 * The anchors a user would compare with, each run as its own process by bench.ts:
 * - (I) the idiomatic route: Express 5, `express.raw()`, an HMAC middleware (node:crypto,
 *   timingSafeEqual), `JSON.parse`, a zod schema of the payload, nothing stored;
 * - (U) what a team would write instead (`--store DIR`): (I) plus one synchronous better-sqlite3
 *   `INSERT … ON CONFLICT` per request (WAL, synchronous=FULL, indexes on id, session and
 *   reference), answering after the commit.
 * Argv: PORT [--store DIR]. Prints `listening PORT` when ready.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { HEADER_SECRET, SECRET } from './load.js';

const port = Number(process.argv[2] ?? 0);
const storeAt = process.argv.indexOf('--store') > 0 ? process.argv[process.argv.indexOf('--store') + 1] : undefined;

const veriffRegistry = z.object({
  eventType: z.literal('ine_registry'),
  sessionId: z.string().min(1),
  attemptId: z.string(),
  vendorData: z.string().nullable().optional(),
  version: z.string(),
  time: z.string(),
  data: z.object({ status: z.string(), code: z.number(), details: z.record(z.string(), z.unknown()).optional() }),
});
const incodeScraping = z.object({
  InterviewId: z.string().min(1),
  externalId: z.string().nullable().optional(),
  ScrapingStatus: z.enum(['IN_PROGRESS', 'FINISHED']),
});

function veriffSignature(req: Request, res: Response, next: NextFunction) {
  const given = Buffer.from(String(req.headers['x-hmac-signature'] ?? ''), 'hex');
  const expected = createHmac('sha256', SECRET)
    .update(req.body as Buffer)
    .digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return void res.status(401).json({ error: 'unauthorized' });
  next();
}

function incodeHeader(req: Request, res: Response, next: NextFunction) {
  const given = Buffer.from(String(req.headers['x-webhook-secret'] ?? ''));
  const expected = Buffer.from(HEADER_SECRET);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return void res.status(401).json({ error: 'unauthorized' });
  next();
}

const db = storeAt ? new Database(path.join(storeAt, 'anchor.sqlite3')) : undefined;
let insert: ((row: { id: string; session: string; reference: string | null; body: string; at: string }) => void) | undefined;
if (db) {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, session_id TEXT NOT NULL, reference TEXT,
    body TEXT NOT NULL, received_at TEXT NOT NULL, deliveries INTEGER NOT NULL DEFAULT 1);
    CREATE INDEX IF NOT EXISTS events_by_session ON events (session_id);
    CREATE INDEX IF NOT EXISTS events_by_reference ON events (reference);`);
  const statement =
    db.prepare(`INSERT INTO events (id, session_id, reference, body, received_at) VALUES (@id, @session, @reference, @body, @at)
    ON CONFLICT (id) DO UPDATE SET deliveries = deliveries + 1`);
  insert = (row) => void statement.run(row);
}

function receive(schema: z.ZodType, keyOf: (payload: never) => { id: string; session: string; reference: string | null }, answer: object) {
  return (req: Request, res: Response) => {
    let payload: unknown;
    try {
      payload = JSON.parse((req.body as Buffer).toString('utf8'));
    } catch {
      return void res.status(400).json({ error: 'invalid_json' });
    }
    const parsed = schema.safeParse(payload);
    if (!parsed.success) return void res.status(400).json({ error: 'invalid_payload', issues: parsed.error.issues });
    if (insert) {
      const key = keyOf(parsed.data as never);
      insert({
        ...key,
        id: createHash('sha256').update(key.id).digest('hex'),
        body: (req.body as Buffer).toString('utf8'),
        at: new Date().toISOString(),
      });
    }
    res.status(200).json(answer);
  };
}

const app = express();
const raw = express.raw({ type: 'application/json', limit: '256kb' });
app.post(
  '/webhooks/veriff/ine-registry',
  raw,
  veriffSignature,
  receive(
    veriffRegistry,
    (p: z.infer<typeof veriffRegistry>) => ({
      id: `${p.sessionId}:${p.attemptId}:${p.time}`,
      session: p.sessionId,
      reference: p.vendorData ?? null,
    }),
    { status: 'success' },
  ),
);
app.post(
  '/webhooks/incode/ine-scraping',
  raw,
  incodeHeader,
  receive(
    incodeScraping,
    (p: z.infer<typeof incodeScraping>) => ({
      id: `${p.InterviewId}:${p.ScrapingStatus}`,
      session: p.InterviewId,
      reference: p.externalId ?? null,
    }),
    { success: 'true' },
  ),
);
const server = app.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () =>
  server.close(() => {
    db?.close();
    process.exit(0);
  }),
);
