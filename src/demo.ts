/**
 * npm run demo: the service on the embedded SQLite store with throwaway secrets, fed with
 * seed-shaped webhooks of both vendors authenticated exactly as the real senders do. Prints
 * what was stored, then keeps serving (`--once` exits after the samples).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from './config.js';
import { ConfigError } from './errors.js';
import { createLogger } from './logger.js';
import { sampleIncodeIneScraping, sampleVeriffIneRegistry } from './delivery/samples.js';
import { sendIncode, sendVeriff, type Answer } from './delivery/send-webhook.js';
import { startService } from './start-service.js';
import type { StoredEvent } from './store/event-store.js';

const once = process.argv.includes('--once');
const throwaway = () => randomBytes(18).toString('base64url');
const secrets = {
  veriff: throwaway(),
  header: throwaway(),
  oauthId: 'incode-demo',
  oauthSecret: throwaway(),
  admin: throwaway(),
};

/**
 * The demo seals what it stores (PAYLOAD_KEYS), with a key fixed for the demo only: its data
 * folder outlives a run, and the next run must open it. Never use it for real data.
 */
const DEMO_PAYLOAD_KEYS = `demo:${createHash('sha256').update('ine-webhooks demo payload key, never for real data').digest('base64')}`;

let config;
try {
  config = loadConfig({
    PORT: '3000',
    ADMIN_PORT: '9090',
    LOG_LEVEL: 'info',
    ...process.env,
    DATA_DIR: process.env.DEMO_DATA_DIR ?? path.join('data', 'demo'),
    DATABASE_URL: '',
    VERIFF_SHARED_SECRET: secrets.veriff,
    INCODE_HEADER_NAME: 'x-webhook-secret',
    INCODE_HEADER_SECRET: secrets.header,
    INCODE_OAUTH_CLIENT_ID: secrets.oauthId,
    INCODE_OAUTH_CLIENT_SECRET: secrets.oauthSecret,
    INCODE_HMAC_SECRET: '',
    ADMIN_TOKEN: secrets.admin,
    PAYLOAD_KEYS: process.env.PAYLOAD_KEYS || DEMO_PAYLOAD_KEYS,
  });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`demo: ${error.message}`);
    process.exit(1);
  }
  throw error;
}

// The service's own log lines go to a file, so they do not interleave with this summary.
mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
const logFile = path.join(config.dataDir, 'service.log');
const logger = await createLogger({ level: config.logLevel, destination: pino.destination({ dest: logFile, sync: true }) });
let service;
try {
  service = await startService(config, logger);
} catch (error) {
  const e = error as NodeJS.ErrnoException;
  console.error(
    e.code === 'EADDRINUSE' ? `demo: port already in use (${e.message}); set PORT and ADMIN_PORT to free ports` : `demo: ${e.message}`,
  );
  process.exit(1);
}
const url = service.publicUrl;
const say = (text: string) => process.stdout.write(`${text}\n`);
const show = (what: string, a: Answer) => say(`  ${what.padEnd(58)} → ${a.status} ${a.body}`);

say(`\nine-webhooks demo: service at ${url} (admin ${service.adminUrl}), SQLite in ${config.dataDir}\n`);
const veriff = sampleVeriffIneRegistry();
const reference = veriff.vendorData as string;
const interviewId = randomBytes(12).toString('hex');
const oauth = { kind: 'oauth' as const, clientId: secrets.oauthId, clientSecret: secrets.oauthSecret };

show('Veriff ine_registry, HMAC-signed', await sendVeriff(url, secrets.veriff, veriff, 'demo-integration'));
show(
  'Veriff retry of the same result (new time)',
  await sendVeriff(url, secrets.veriff, { ...veriff, time: new Date().toISOString() }, 'demo-integration'),
);
show('Veriff payload signed with a wrong secret', await sendVeriff(url, throwaway(), sampleVeriffIneRegistry()));
show(
  'Incode IN_PROGRESS, custom secret header',
  await sendIncode(
    url,
    { kind: 'static-header', headerName: 'x-webhook-secret', secret: secrets.header },
    sampleIncodeIneScraping('IN_PROGRESS', interviewId, reference),
  ),
);
show('Incode FINISHED, OAuth token then Bearer', await sendIncode(url, oauth, sampleIncodeIneScraping('FINISHED', interviewId, reference)));
show('Incode FINISHED without an InterviewId (quarantined)', await sendIncode(url, oauth, { ScrapingStatus: 'FINISHED' }));

const res = await fetch(`${service.adminUrl}/events?reference=${encodeURIComponent(reference)}`, {
  headers: { authorization: `Bearer ${secrets.admin}` },
});
const { events } = (await res.json()) as { events: StoredEvent[] };
say(`\nStored for customer reference ${reference}:`);
say(
  `  ${'seq'.padEnd(5)} ${'provider'.padEnd(8)} ${'type'.padEnd(13)} ${'session'.padEnd(36)} ${'status'.padEnd(12)} ${'deliveries'.padEnd(10)} integration`,
);
for (const e of events) {
  say(
    `  ${e.seq.padEnd(5)} ${e.provider.padEnd(8)} ${e.type.padEnd(13)} ${(e.sessionId ?? '').padEnd(36)} ${(e.status ?? '').padEnd(12)} ${String(e.deliveries).padEnd(10)} ${e.integration ?? ''}`,
  );
}

const dataDir = path.relative(process.cwd(), config.dataDir) || '.';
const bearer = `-H 'Authorization: Bearer ${secrets.admin}'`;
const demoKeys = config.privacy.payloadKeys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(',');
say(`
Look around (the admin token is throwaway, valid while this demo runs):
  curl ${bearer} '${service.adminUrl}/events?reference=${reference}'
  curl ${bearer} '${service.adminUrl}/sessions?reference=${reference}'
Or in a browser, the console: ${service.adminUrl}/ (sign in with the admin token above as the access key;
search for ${reference}).
The payloads are sealed at rest (PAYLOAD_KEYS, a key fixed for the demo). The ops command reads
the same log, now or after the demo (what shows a payload needs the key):
  DATA_DIR=${dataDir} npm run cli -- tail
  PAYLOAD_KEYS=${demoKeys} DATA_DIR=${dataDir} npm run cli -- show ${reference}
The service's log (JSON lines): ${path.relative(process.cwd(), logFile)}`);

if (once) {
  await service.stop();
  say('\n--once: stopped.');
  process.exit(events.length === 3 ? 0 : 1);
}
say(`\nStill serving on ${url}; the secrets are throwaway, generated for this run. Ctrl-C to stop.`);
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void service.stop().then(() => process.exit(0));
  });
}
