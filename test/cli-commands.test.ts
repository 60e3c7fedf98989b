import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { auditCommand } from '../src/cli/audit.js';
import type { CliContext } from '../src/cli/cli-context.js';
import { keysCommand } from '../src/cli/keys.js';
import { replayCommand } from '../src/cli/sinks.js';
import { quarantineCommand } from '../src/cli/quarantine.js';
import { rekeyCommand } from '../src/cli/rekey.js';
import { showCommand } from '../src/cli/show.js';
import { subjectCommand } from '../src/cli/subject-commands.js';
import { tailCommand } from '../src/cli/tail.js';
import { loadConfig } from '../src/config.js';
import { veriffPayload } from './helpers/fixtures.js';
import { captureLogs, FULL_ENV, harness, type Harness } from './helpers/harness.js';
import { sendVeriff } from './helpers/send-delivery.js';

/**
 * The ops commands of people and personal data run in this process against a harness's SQLite
 * file, as the built command runs them beside the service (their process-level behaviour is
 * tested in keys.test.ts and subject-cli.test.ts).
 */
describe('ops commands for people and personal data (in process)', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  const context = (h: Harness, env: Record<string, string> = {}, isTty = false) => {
    const out: string[] = [];
    const err: string[] = [];
    const { logger, logs } = captureLogs('info');
    const config = loadConfig({ ...FULL_ENV, ...env, DATA_DIR: h.dataDir });
    const ctx: CliContext = { config, out: (l) => out.push(l), err: (l) => err.push(l), isTty, logger };
    return { ctx, out, err, logs };
  };

  it('keys, audit, block, export, erase and rekey do what they say and leave their trail', async () => {
    const k1 = `k1:${randomBytes(32).toString('base64')}`;
    h = await harness({ ...FULL_ENV, PAYLOAD_KEYS: k1 });
    expect((await sendVeriff(h, veriffPayload({ vendorData: 'cust-inproc', sessionId: 's-inproc' }))).status).toBe(200);
    expect((await sendVeriff(h, veriffPayload({ vendorData: 'cust-other' }))).status).toBe(200);
    expect((await sendVeriff(h, veriffPayload({ sessionId: 5, vendorData: 'cust-inproc' }))).status).toBe(400);
    const c = context(h, { PAYLOAD_KEYS: k1 });

    expect(await keysCommand(c.ctx, ['add', 'ana', '--role', 'support'])).toBe(0);
    expect(c.out[0]).toMatch(/^inek_/);
    await expect(keysCommand(c.ctx, ['add', 'ana', '--role', 'support'])).rejects.toThrow('exists already');
    await expect(keysCommand(c.ctx, ['add', 'bob', '--role', 'root'])).rejects.toThrow('--role must be one of');
    await expect(keysCommand(c.ctx, ['frob'])).rejects.toThrow('usage:');
    c.out.length = 0;
    expect(await keysCommand(c.ctx, ['list'])).toBe(0);
    expect(JSON.parse(c.out[0]!).keys).toEqual([expect.objectContaining({ name: 'ana', role: 'support', lastUsedAt: null })]);
    const table = context(h, { PAYLOAD_KEYS: k1 }, true);
    expect(await keysCommand(table.ctx, ['list'])).toBe(0);
    expect(table.out[0]).toMatch(/^name\s+role\s+created\s+by\s+last used$/);
    expect(table.out[1]).toMatch(/^ana\s+support\s+.+never$/);

    c.out.length = 0;
    expect(await tailCommand(c.ctx, ['--json'], new AbortController().signal)).toBe(0);
    expect(c.out.map((l) => JSON.parse(l).reference)).toEqual(['cust-inproc', 'cust-other']);
    c.out.length = 0;
    expect(await showCommand(c.ctx, ['cust-inproc', '--json'])).toBe(0);
    expect(JSON.parse(c.out[0]!).sessions[0].events[0].payload).toMatchObject({ vendorData: 'cust-inproc' });
    const [quarantined] = (await h.store.listQuarantine({ limit: 1 })).items;
    c.out.length = 0;
    expect(await quarantineCommand(c.ctx, ['show', quarantined!.id])).toBe(0);
    expect(JSON.parse(c.out.join('\n')).id).toBe(quarantined!.id);

    await expect(subjectCommand('block', c.ctx, ['--reference', 'cust-inproc', '--reason', 'x'])).rejects.toThrow('--until is required');
    await expect(subjectCommand('block', c.ctx, ['--reference', 'cust-inproc', '--until', '2001-01-01', '--reason', 'x'])).rejects.toThrow(
      'in the future',
    );
    await expect(subjectCommand('erase', c.ctx, ['--reference', 'cust-inproc', '--reason', 'x', '--at-vendor'])).rejects.toThrow(
      'not available in this release',
    );
    c.out.length = 0;
    expect(await subjectCommand('block', c.ctx, ['--reference', 'cust-inproc', '--until', '2099-12-31', '--reason', 'ticket 3'])).toBe(0);
    expect(c.out[0]).toBe(
      'blocked reference cust-inproc until 2099-12-31T00:00:00.000Z: 1 event(s); their payloads are withheld everywhere and held at the sinks',
    );
    await expect(subjectCommand('export', c.ctx, ['--reference', 'cust-inproc', '--reason', 'access'])).rejects.toThrow('it is blocked');
    c.out.length = 0;
    expect(await subjectCommand('unblock', c.ctx, ['--session', 's-inproc', '--reason', 'wrong origin'])).toBe(0);
    expect(c.out[0]).toBe('session s-inproc was not blocked');
    expect(await subjectCommand('unblock', c.ctx, ['--reference', 'cust-inproc', '--reason', 'ticket 3 closed'])).toBe(0);
    c.out.length = 0;
    expect(await subjectCommand('export', c.ctx, ['--reference', 'cust-inproc', '--reason', 'ARCO access'])).toBe(0);
    const doc = JSON.parse(c.out[0]!) as { events: unknown[]; quarantine: unknown[] };
    expect(doc.events).toHaveLength(1);
    expect(doc.quarantine).toHaveLength(1);
    c.out.length = 0;
    expect(await subjectCommand('erase', c.ctx, ['--reference', 'cust-inproc', '--reason', 'ARCO cancellation'])).toBe(0);
    expect(c.out[0]).toMatch(/^erased reference cust-inproc: 1 event\(s\) and 1 quarantined deliver\(ies\)/);
    await expect(subjectCommand('erase', c.ctx, ['--reference', 'nobody', '--reason', 'x'])).rejects.toThrow('nothing is stored for it');

    // A new key first, the old one kept: rekey re-seals everything still under k1.
    const k2 = `k2:${randomBytes(32).toString('base64')}`;
    const r = context(h, { PAYLOAD_KEYS: `${k2},${k1}` });
    expect(await rekeyCommand(r.ctx, ['--batch', '1'])).toBe(0);
    expect(r.out).toEqual([expect.stringMatching(/^re-sealed [1-9]\d* stored bodies under key k2; keys in use now: k2$/)]);
    await expect(rekeyCommand(context(h).ctx, [])).rejects.toThrow('PAYLOAD_KEYS is not set');

    c.out.length = 0;
    expect(await auditCommand(c.ctx, ['--limit', '100'])).toBe(0);
    const actions = c.out.map((l) => JSON.parse(l).action);
    expect(actions.slice(0, 4)).toEqual(['erase', 'export', 'unblock', 'unblock']);
    expect(actions).toContain('key_add');
    expect(actions).toContain('read_payload');
    expect(await auditCommand(table.ctx, ['--actor', 'nobody'])).toBe(0);
    expect(table.out.at(-1)).toBe('the audit trail is empty');
    expect(await auditCommand(table.ctx, ['--subject', 'cust-inproc', '--limit', '2'])).toBe(0);
    expect(table.out.at(-3)).toMatch(/^time\s+actor\s+role\s+action\s+subject\s+outcome\s+reason$/);
    await expect(auditCommand(c.ctx, ['--limit', 'x'])).rejects.toThrow('--limit must be');
    // Each record was one log line too.
    expect(c.logs.lines.filter((l) => 'audit' in l).length).toBeGreaterThan(5);
    expect(await keysCommand(c.ctx, ['revoke', 'ana'])).toBe(0);
    await expect(keysCommand(c.ctx, ['revoke', 'ana'])).rejects.toThrow('no key named');
  });

  it('replay counts with --dry-run, queues the same number for the sink, and refuses what it cannot do', async () => {
    const sinkEnv = { FORWARD_URL: 'http://127.0.0.1:9/hooks', FORWARD_SECRET: `whsec_${randomBytes(24).toString('base64')}` };
    h = await harness(FULL_ENV);
    for (const ref of ['r1', 'r2', 'r3']) expect((await sendVeriff(h, veriffPayload({ vendorData: ref }))).status).toBe(200);
    const c = context(h, sinkEnv);
    expect(await replayCommand(c.ctx, ['--sink', 'http', '--dry-run'])).toBe(0);
    expect(c.out).toEqual(['would replay 3 stored event(s) for sink http']);
    expect(await replayCommand(c.ctx, ['--sink', 'http', '--since', '2026-11-22', '--type', 'ine_registry'])).toBe(0);
    expect(c.out[1]).toBe(
      'replayed 3 stored event(s) for sink http (since 2026-11-22T00:00:00.000Z, type ine_registry): queued in seq order; a running service sends them within seconds',
    );
    expect(await replayCommand(c.ctx, ['--sink', 'http', '--dry-run'])).toBe(0);
    expect(c.out[2]).toBe('would replay 0 stored event(s) for sink http');
    expect((await h.store.access.listAudit({ limit: 10 })).items.filter((r) => r.action === 'replay')).toEqual([
      expect.objectContaining({ subject: 'http', outcome: 'ok', detail: expect.objectContaining({ count: 3, type: 'ine_registry' }) }),
    ]);
    await expect(replayCommand(c.ctx, ['--sink', 'nats'])).rejects.toThrow('no sink named nats is configured (configured: http)');
    await expect(replayCommand(context(h).ctx, ['--sink', 'http'])).rejects.toThrow('no sink named http is configured (none is)');
    await expect(replayCommand(c.ctx, [])).rejects.toThrow('--sink is required');
    await expect(replayCommand(c.ctx, ['--sink', 'http', '--since', 'yesterday'])).rejects.toThrow('--since must be an ISO 8601 date');
    await expect(replayCommand(c.ctx, ['--sink', 'http', '--since', '2027-01-02', '--until', '2027-01-01'])).rejects.toThrow(
      '--until must be after --since',
    );
  });
});
