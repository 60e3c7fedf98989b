import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/harness.js';
import { createSchema, postgresAvailable } from './helpers/postgres.js';
import { CLI, cli } from './helpers/cli.js';
import { CLEAN_CWD, startProcess, type ServiceProcess } from './helpers/service-process.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SECRETS = {
  VERIFF_SHARED_SECRET: 'cli-test-veriff-secret',
  INCODE_HEADER_NAME: 'x-webhook-secret',
  INCODE_HEADER_SECRET: 'cli-test-header-secret-0123',
  INCODE_OAUTH_CLIENT_ID: 'incode',
  INCODE_OAUTH_CLIENT_SECRET: 'cli-test-oauth-secret-0123',
};

/** `tail --follow --json` as a child; resolves lines as they come. */
function follow(env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI, 'tail', '--follow', '--json', '--interval', '100'], {
    cwd: CLEAN_CWD,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(JSON.parse(l)));
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (pred: (l: Record<string, unknown>) => boolean, ms = 8000) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const hit = lines.find(pred);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`tail --follow did not print the event within ${ms} ms; got ${JSON.stringify(lines)}`);
  };
  /** The command says on stderr when it follows: from then on, a new event is printed. */
  const ready = async () => {
    for (const until = Date.now() + 8000; !stderr.includes('following new events');) {
      if (Date.now() > until) throw new Error(`tail --follow did not say it follows; stderr: ${stderr}`);
      await new Promise((r) => setImmediate(r));
    }
  };
  return { lines, waitFor, ready, stderr: () => stderr, stop: () => (child.kill('SIGINT'), exited) };
}

describe('the ops CLI (ine-webhooks) against a running service', () => {
  let service: ServiceProcess | undefined;
  let data: ReturnType<typeof tempDir>;
  afterEach(async () => {
    if (service && service.child.exitCode === null) await service.stop('SIGKILL');
    service = undefined;
    data?.remove();
  });

  it("send delivers both vendors' webhooks, tail --follow shows them arrive, show answers per customer", async () => {
    data = tempDir('ine-cli-');
    service = await startProcess({ DATA_DIR: data.dir, ...SECRETS });
    const env = { DATA_DIR: data.dir, ...SECRETS, PORT: new URL(service.url).port };
    const tail = follow(env);
    await tail.ready();

    const v = cli(env, 'send', 'veriff', '--reference', 'cust-cli');
    expect(v).toMatchObject({ code: 0 });
    expect(v.out).toMatch(
      /^POST http:\/\/127\.0\.0\.1:\d+\/webhooks\/veriff → 200 \{"status":"success"\}\nsent: ine_registry, session [\w-]+, reference cust-cli, event id [0-9a-f]{64}\n {2}see it: ine-webhooks show [\w-]+\n$/,
    );
    const kinds = cli(env, 'send', 'veriff', '--kind', 'decision', '--reference', 'cust-kind');
    expect(kinds.code).toBe(0);
    expect(kinds.out).toMatch(/sent: decision, session [\w-]+, reference cust-kind/);
    expect(cli(env, 'send', 'veriff', '--kind', 'nope')).toMatchObject({ code: 2, err: expect.stringContaining('--kind must be one of') });
    const i1 = cli(env, 'send', 'incode', '--status', 'IN_PROGRESS', '--reference', 'cust-cli', '--method', 'oauth');
    expect(i1.out).toContain('(oauth) → 200 {"success":"true"}');
    const i2 = cli(env, 'send', 'incode', '--method', 'static-header', '--reference', 'cust-other');
    expect(i2.out).toContain('(static-header) → 200 {"success":"true"}');

    const sentVeriff = await tail.waitFor((l) => l.provider === 'veriff' && l.reference === 'cust-cli');
    // The event id `send` printed is the id the service stored.
    expect(v.out).toContain(`event id ${sentVeriff.id}`);
    // Piped: events only on stdout; what tail says of itself goes to stderr, with one audit line per batch of payloads printed.
    const said = tail
      .stderr()
      .split('\n')
      .filter((l) => l !== '');
    expect(said.filter((l) => !l.startsWith('{')).join('\n')).toMatch(
      /^the event log is empty \(SQLite in .+\)\nfollowing new events every 100 ms; Ctrl-C to stop$/,
    );
    const auditLines = said.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l).audit);
    expect(auditLines.length).toBeGreaterThan(0);
    for (const a of auditLines)
      expect(a).toMatchObject({ actor: expect.stringMatching(/^"cli:.+"$/), role: 'admin', action: 'read_payload', outcome: 'ok' });
    await tail.waitFor((l) => l.provider === 'incode' && l.status === 'IN_PROGRESS' && l.integration === 'oauth');
    await tail.waitFor((l) => l.integration === 'static-header');
    expect(tail.lines).toHaveLength(4);
    expect(await tail.stop()).toBe(0);

    const table = cli(env, 'tail', '--table', '--provider', 'incode');
    expect(table.code).toBe(0);
    const rows = table.out.trim().split('\n');
    expect(rows[0]).toMatch(/^seq\s+received\s+provider\s+type\s+session\s+reference\s+status\s+deliveries\s+integration$/);
    expect(rows.slice(1).map((r) => r.split(/\s+/)[7])).toEqual(['IN_PROGRESS', 'FINISHED']);

    const show = cli(env, 'show', 'cust-cli');
    expect(show.code).toBe(0);
    expect(show.out).toContain('Reference cust-cli: 2 session(s)');
    expect(show.out).toMatch(/Veriff INE registry: valid\s+Veriff decision: nothing received\s+Incode INE scraping: nothing received/);
    expect(show.out).toMatch(
      /Veriff INE registry: nothing received\s+Veriff decision: nothing received\s+Incode INE scraping: IN_PROGRESS/,
    );
    const json = JSON.parse(cli(env, 'show', 'cust-cli', '--json').out);
    expect(json.sessions).toHaveLength(2);
  });

  it('quarantine lists and shows what send --file delivered that failed its schema', async () => {
    data = tempDir('ine-cli-');
    service = await startProcess({ DATA_DIR: data.dir, ...SECRETS });
    const env = { DATA_DIR: data.dir, ...SECRETS, PORT: new URL(service.url).port };
    const file = path.join(data.dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ eventType: 'ine_registry', sessionId: 42, attemptId: 'a', version: '1', time: 'not a time', data: {} }),
    );
    const sent = cli(env, 'send', 'veriff', '--file', file);
    expect(sent.code).toBe(1);
    expect(sent.out).toContain('→ 400 {"error":"invalid_payload"');
    const list = cli(env, 'quarantine', 'list', '--json');
    const [item] = list.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(item).toMatchObject({ provider: 'veriff', reason: 'invalid_payload', issues: [{ path: 'sessionId' }] });
    const show = cli(env, 'quarantine', 'show', item.id);
    expect(JSON.parse(show.out)).toEqual(item);
    expect(cli(env, 'quarantine', 'show', 'nope')).toMatchObject({ code: 1, err: expect.stringContaining('no quarantined item nope') });
  });

  it.each([
    [['frobnicate'], 2, 'unknown command "frobnicate"'],
    [[], 2, 'usage: ine-webhooks <command>'],
    [['tail', '--bogus'], 2, 'ine-webhooks tail: unknown option --bogus\n\nusage: ine-webhooks tail'],
    [['tail', '--limit'], 2, 'ine-webhooks tail: option --limit needs a value'],
    [['tail', '--limit', '0'], 2, '--limit must be a whole number'],
    [['send', 'paypal'], 2, 'usage: ine-webhooks send'],
    [['send', 'incode', '--status', 'DONE'], 2, '--status must be IN_PROGRESS or FINISHED'],
    [['show'], 2, 'expected one session id or reference'],
    [['send', 'veriff', '--url', 'http://127.0.0.1:39'], 1, 'cannot deliver to http://127.0.0.1:39: ECONNREFUSED'],
    [['send', 'veriff', '--file', '/nonexistent.json'], 2, 'cannot use --file /nonexistent.json'],
  ])('%j exits %i saying %s', (args, code, message) => {
    const r = cli({ DATA_DIR: '/nonexistent-ine', ...SECRETS }, ...args);
    expect(r.code).toBe(code);
    expect(r.err).toContain(message);
  });

  it('send shows the Retry-After of a 503 answer', async () => {
    const busy = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '30' }).end('{"error":"store_unavailable"}');
    });
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(busy.address() as AddressInfo).port}`;
      const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI, 'send', 'veriff', '--url', url], {
          cwd: CLEAN_CWD,
          env: { PATH: process.env.PATH ?? '', ...SECRETS },
        });
        let out = '';
        child.stdout.on('data', (c) => (out += c));
        child.on('close', (code) => resolve({ code, out }));
      });
      expect(r.code).toBe(1);
      expect(r.out).toContain('→ 503 {"error":"store_unavailable"} (Retry-After: 30 s)');
    } finally {
      busy.close();
    }
  });

  it('--version, and --help on every command, exit 0 with usage and examples', () => {
    expect(cli({}, '--version')).toMatchObject({
      code: 0,
      out: `ine-webhooks ${JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version}\n`,
    });
    for (const args of [
      ['--help'],
      ['tail', '--help'],
      ['send', 'veriff', '--help'],
      ['show', '-h'],
      ['quarantine', '--help'],
      ['migrate', '--help'],
      ['help', 'send'],
    ]) {
      const r = cli({ PORT: 'not-a-port' }, ...args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.out, args.join(' ')).toMatch(/^usage: ine-webhooks/);
      expect(r.out, args.join(' ')).toMatch(/\nexamples?:\n/);
    }
    expect(cli({}, 'send', '--help').out).toContain(
      '--method M           Incode only: static-header, oauth or hmac (default: the first configured',
    );
  });

  it('tail --follow --table keeps its columns lined up as new events come, and tail says when the log is empty', async () => {
    data = tempDir('ine-cli-');
    service = await startProcess({ DATA_DIR: data.dir, ...SECRETS });
    const env = { DATA_DIR: data.dir, ...SECRETS, PORT: new URL(service.url).port };
    expect(cli(env, 'tail', '--table')).toMatchObject({
      code: 0,
      out: '',
      err: expect.stringMatching(/^the event log is empty \(SQLite in /),
    });
    cli(env, 'send', 'incode', '--reference', 'r');
    const child = spawn(process.execPath, [CLI, 'tail', '--follow', '--table', '--interval', '100'], {
      cwd: CLEAN_CWD,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const rows: string[] = [];
    createInterface({ input: child.stdout }).on('line', (l) => rows.push(l));
    const waitRows = async (n: number) => {
      for (const until = Date.now() + 8000; rows.length < n && Date.now() < until;) await new Promise((r) => setTimeout(r, 50));
      expect(rows).toHaveLength(n);
    };
    await waitRows(2);
    cli(env, 'send', 'veriff', '--kind', 'combined-ine-curp-registry', '--reference', 'a-much-longer-customer-reference-than-the-column');
    await waitRows(3);
    child.kill('SIGINT');
    // Every row has its status where the header has it, the long reference cut to fit.
    const at = rows[0]!.indexOf('status');
    for (const row of rows) expect(row[at - 1], row).toBe(' ');
    expect(rows.map((r) => r.slice(at).split(/\s+/)[0])).toEqual(['status', 'FINISHED', 'valid']);
    expect(rows[2]).toContain('…');
  });

  it('reports a missing event log and bad configuration clearly', () => {
    expect(cli({ DATA_DIR: '/nonexistent-ine' }, 'tail')).toMatchObject({
      code: 1,
      err: expect.stringContaining('no event log at /nonexistent-ine/events.sqlite3'),
    });
    expect(cli({ DATA_DIR: '/nonexistent-ine' }, 'send', 'veriff')).toMatchObject({
      code: 1,
      err: expect.stringContaining('VERIFF_SHARED_SECRET is not set'),
    });
    expect(cli({ PORT: 'x' }, 'tail')).toMatchObject({ code: 1, err: expect.stringContaining('PORT:') });
  });

  it.skipIf(!postgresAvailable)('tail --follow works on PostgreSQL too', async () => {
    const schema = await createSchema();
    try {
      service = await startProcess({ DATABASE_URL: schema.url, ...SECRETS });
      const env = { DATABASE_URL: schema.url, ...SECRETS, PORT: new URL(service.url).port };
      const tail = follow(env);
      await tail.ready();
      expect(cli(env, 'send', 'incode', '--reference', 'pg-cust').code).toBe(0);
      await tail.waitFor((l) => l.reference === 'pg-cust');
      expect(await tail.stop()).toBe(0);
      expect(cli(env, 'show', 'pg-cust').out).toMatch(/Incode INE scraping: FINISHED/);
    } finally {
      await service?.stop('SIGTERM');
      await schema.drop();
    }
  });
});
