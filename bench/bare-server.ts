/**
 * The ceiling: a bare Express 5 endpoint that reads the body and answers 200 JSON, nothing else.
 * Run as its own process by bench.ts, on the port in argv[2].
 */
import express from 'express';

const app = express();
app.post(
  ['/webhooks/veriff/ine-registry', '/webhooks/incode/ine-scraping'],
  express.raw({ type: () => true, limit: '256kb' }),
  (_req, res) => {
    res.status(200).json({ status: 'success' });
  },
);
const server = app.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
