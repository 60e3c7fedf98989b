import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { userInfo } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { veriffHeaders } from './helpers/fixtures.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/harness.js';
import { startProcess, type ServiceProcess } from './helpers/service-process.js';

const SECRET = 'subject-cli-veriff-secret';

describe('ine-webhooks block, unblock, export and erase on the host (SQLite, beside the running service)', () => {
  let service: ServiceProcess | undefined;
  const data = tempDir('ine-subject-cli-');
  afterEach(async () => {
    if (service && service.child.exitCode === null) await service.stop('SIGKILL');
    data.remove();
  });

  it('acts on a reference with a reason, audited as cli:<user>; an erase leaves no byte of the CURP in the data folder', async () => {
    const env = { DATA_DIR: data.dir, VERIFF_SHARED_SECRET: SECRET, PAYLOAD_KEYS: `k1:${randomBytes(32).toString('base64')}` };
    service = await startProcess(env);
    const needle = `CURP${randomBytes(6).toString('hex').toUpperCase()}`;
    const body = JSON.stringify({
      verification: {
        id: randomUUID(),
        vendorData: 'cust-cli-pd',
        status: 'approved',
        decisionTime: '2026-12-01T10:00:00Z',
        person: { idNumber: needle },
      },
    });
    const res = await fetch(`${service.url}/webhooks/veriff`, { method: 'POST', headers: veriffHeaders(body, SECRET), body });
    expect(res.status).toBe(200);

    expect(cli(env, 'block', '--reference', 'cust-cli-pd', '--until', '2099-01-01')).toMatchObject({
      code: 2,
      err: expect.stringContaining('--reason is required'),
    });
    expect(cli(env, 'block', '--reference', 'cust-cli-pd', '--reason', 'x')).toMatchObject({
      code: 2,
      err: expect.stringContaining('--until is required'),
    });
    expect(cli(env, 'erase', '--reference', 'a', '--session', 'b', '--reason', 'x')).toMatchObject({
      code: 2,
      err: expect.stringContaining('exactly one of'),
    });
    expect(cli(env, 'erase', '--reference', 'nobody', '--reason', 'x')).toMatchObject({
      code: 1,
      err: expect.stringContaining('nothing is stored for it'),
    });

    const blocked = cli(env, 'block', '--reference', 'cust-cli-pd', '--until', '2099-01-01', '--reason', 'ticket 1');
    expect(blocked).toMatchObject({
      code: 0,
      out: expect.stringContaining('blocked reference cust-cli-pd until 2099-01-01T00:00:00.000Z: 1 event(s)'),
    });
    expect(cli(env, 'export', '--reference', 'cust-cli-pd', '--reason', 'access')).toMatchObject({
      code: 1,
      err: expect.stringContaining('it is blocked'),
    });
    expect(cli(env, 'unblock', '--reference', 'cust-cli-pd', '--reason', 'ticket 1 closed')).toMatchObject({
      code: 0,
      out: expect.stringContaining('unblocked'),
    });
    const exported = cli(env, 'export', '--reference', 'cust-cli-pd', '--reason', 'ARCO access');
    expect(exported.code).toBe(0);
    const doc = JSON.parse(exported.out) as { events: { payload: unknown }[]; sessions: { sessionId: string }[] };
    expect(doc.events.map((e) => e.payload)).toEqual([JSON.parse(body)]);

    const erased = cli(env, 'erase', '--reference', 'cust-cli-pd', '--reason', 'ARCO cancellation');
    expect(erased).toMatchObject({
      code: 0,
      out: expect.stringMatching(
        /^erased reference cust-cli-pd: 1 event\(s\) and 0 quarantined deliver\(ies\); erasure notice [0-9a-f]{64} queued/,
      ),
    });
    const files = readdirSync(data.dir).map((f) => readFileSync(path.join(data.dir, f)).toString('latin1'));
    for (const f of files) expect(f).not.toContain(needle);
    const trail = cli(env, 'audit', '--json')
      .out.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { actor: string; action: string; reason: string | null });
    const actor = `cli:${userInfo().username}`;
    expect(trail.map((r) => [r.actor, r.action, r.reason])).toEqual([
      [actor, 'erase', 'ARCO cancellation'],
      [actor, 'export', 'ARCO access'],
      [actor, 'unblock', 'ticket 1 closed'],
      [actor, 'export', 'access'],
      [actor, 'block', 'ticket 1'],
    ]);
    // The service goes on serving the same file.
    expect((await fetch(`${service.url}/webhooks/veriff`, { method: 'POST', headers: veriffHeaders(body, SECRET), body })).status).toBe(
      200,
    );
    expect(await service.stop()).toBe(0);
  });
});
