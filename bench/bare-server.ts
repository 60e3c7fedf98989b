/**
 * The baseline: an Express 5 route doing the same per-request work as the service's webhook
 * routes (raw body, HMAC over the exact bytes for Veriff or the static header for Incode,
 * JSON.parse, the providers' zod classification, the success answer) and storing nothing. What
 * the service costs beyond it is durability and deduplication. Run as its own process by
 * bench.ts, on the port in argv[2].
 */
import express, { type Request, type Response } from 'express';
import { createHmacVerifier } from '../src/auth/hmac.js';
import { createStaticHeaderVerifier } from '../src/auth/static-header.js';
import { classifyIncode } from '../src/providers/incode/classify.js';
import { parseJsonBody } from '../src/providers/json-body.js';
import type { Classification } from '../src/providers/provider.js';
import { classifyVeriff } from '../src/providers/veriff/classify.js';
import { HEADER_SECRET, SECRET } from './load.js';

const hmac = createHmacVerifier([SECRET]);
const header = createStaticHeaderVerifier('x-webhook-secret', [HEADER_SECRET]);

function route(verify: (req: Request) => boolean, classify: (payload: unknown) => Classification, answer: object) {
  return (req: Request, res: Response) => {
    if (!verify(req)) return void res.status(401).json({ error: 'unauthorized' });
    const json = parseJsonBody(req.body as Buffer);
    if (!json.ok || !classify(json.value).ok) return void res.status(400).json({ error: 'invalid_payload' });
    res.status(200).json(answer);
  };
}

const app = express();
const raw = express.raw({ type: () => true, limit: '256kb', inflate: false });
app.post(
  '/webhooks/veriff/ine-registry',
  raw,
  route((req) => hmac.verify(req.body as Buffer, req.headers['x-hmac-signature'] as string).ok, classifyVeriff, { status: 'success' }),
);
app.post(
  '/webhooks/incode/ine-scraping',
  raw,
  route((req) => header.verify(req.headers['x-webhook-secret'] as string).ok, classifyIncode, { success: 'true' }),
);
const server = app.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
