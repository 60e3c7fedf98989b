import { userInfo } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { hashAccessKey } from '../src/access/access-key.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/harness.js';
import { createSchema, postgresAvailable } from './helpers/postgres.js';
import { startProcess, type ServiceProcess } from './helpers/service-process.js';

const SECRETS = { VERIFF_SHARED_SECRET: 'keys-test-veriff-secret', LOG_LEVEL: 'info' };
const CLI_ACTOR = `cli:${userInfo().username}`;

const get = (service: ServiceProcess, path: string, key: string) =>
  fetch(`${service.adminUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });

describe('ine-webhooks keys and audit against the built service', () => {
  let services: ServiceProcess[] = [];
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    await Promise.all(services.map((s) => (s.child.exitCode === null ? s.stop('SIGKILL') : undefined)));
    services = [];
    for (const c of cleanups.splice(0)) await c();
  });

  it('SQLite: a key is printed once, alone on stdout; it opens the admin API by its role; revoked, it is refused', async () => {
    const data = tempDir('ine-keys-');
    cleanups.push(data.remove);
    const service = await startProcess({ DATA_DIR: data.dir, ...SECRETS });
    services.push(service);
    const env = { DATA_DIR: data.dir, ...SECRETS, PORT: new URL(service.url).port };
    expect(cli(env, 'send', 'veriff', '--reference', 'cust-keys').code).toBe(0);

    const added = cli(env, 'keys', 'add', 'ana', '--role', 'support');
    expect(added.code).toBe(0);
    expect(added.out).toMatch(/^inek_[A-Za-z0-9_-]{43}\n$/);
    const key = added.out.trim();
    expect(added.err).toContain('added key "ana" (support)');
    const viewer = cli(env, 'keys', 'add', 'vic', '--role', 'viewer').out.trim();

    expect(cli(env, 'keys', 'add', 'ana', '--role', 'viewer')).toMatchObject({
      code: 1,
      out: '',
      err: expect.stringContaining('exists already'),
    });
    expect(cli(env, 'keys', 'add', 'bob', '--role', 'root')).toMatchObject({
      code: 2,
      err: expect.stringContaining('--role must be one of'),
    });
    expect(cli(env, 'keys', 'add', 'bad name', '--role', 'viewer')).toMatchObject({ code: 2 });
    expect(cli(env, 'keys', 'revoke', 'nobody')).toMatchObject({ code: 1, err: expect.stringContaining('no key named "nobody"') });

    const list = cli(env, 'keys', 'list', '--json');
    expect(JSON.parse(list.out).keys).toEqual([
      { name: 'ana', role: 'support', createdAt: expect.any(String), createdBy: CLI_ACTOR, lastUsedAt: null },
      { name: 'vic', role: 'viewer', createdAt: expect.any(String), createdBy: CLI_ACTOR, lastUsedAt: null },
    ]);
    expect(list.out).not.toContain(key);

    const read = await get(service, '/events?reference=cust-keys', key);
    expect(read.status).toBe(200);
    expect(((await read.json()) as { events: { payload: unknown }[] }).events[0]!.payload).toMatchObject({ vendorData: 'cust-keys' });
    const withheld = await get(service, '/events?reference=cust-keys', viewer);
    expect(((await withheld.json()) as { events: unknown[] }).events[0]).toMatchObject({ payloadWithheld: true });

    expect(cli(env, 'keys', 'revoke', 'ana')).toMatchObject({ code: 0, err: expect.stringContaining('revoked key "ana"') });
    expect((await get(service, '/events', key)).status).toBe(401);

    // The trail, as the CLI shows it, newest first; the CLI's own payload read (show --json) is recorded too.
    expect(cli(env, 'show', 'cust-keys', '--json').code).toBe(0);
    const trail = cli(env, 'audit', '--json')
      .out.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { actor: string; role: string; action: string; subject: string; outcome: string });
    expect(trail.map((r) => [r.actor, r.action, r.subject, r.outcome])).toEqual([
      [CLI_ACTOR, 'read_payload', 'cust-keys', 'ok'],
      ['unknown', 'refused', null, 'unauthorized'],
      [CLI_ACTOR, 'key_revoke', 'ana', 'ok'],
      ['ana', 'read_payload', 'cust-keys', 'ok'],
      [CLI_ACTOR, 'key_revoke', 'nobody', 'not_found'],
      [CLI_ACTOR, 'key_add', 'ana', 'name_taken'],
      [CLI_ACTOR, 'key_add', 'vic', 'ok'],
      [CLI_ACTOR, 'key_add', 'ana', 'ok'],
    ]);
    expect(cli(env, 'audit', '--actor', 'ana', '--json').out.trim().split('\n')).toHaveLength(1);
    // The service logged one line per record it wrote; no key and no hash of one anywhere.
    expect(service.lines.filter((l) => 'audit' in l).map((l) => (l.audit as { action: string }).action)).toEqual([
      'read_payload',
      'refused',
    ]);
    for (const secret of [key, viewer, hashAccessKey(key), hashAccessKey(viewer)]) expect(service.stdout.join('\n')).not.toContain(secret);
  });

  it.skipIf(!postgresAvailable)(
    'PostgreSQL, two replicas: a key added on the host works on both; revoked, both refuse it at once',
    async () => {
      const schema = await createSchema();
      cleanups.push(schema.drop);
      const env = { DATABASE_URL: schema.url, ...SECRETS, PG_POOL_MAX: '3' };
      services = await Promise.all([startProcess(env), startProcess(env)]);
      const added = cli(env, 'keys', 'add', 'ops-1', '--role', 'operator');
      expect(added.code).toBe(0);
      const key = added.out.trim();
      for (const replica of services) expect((await get(replica, '/sinks', key)).status).toBe(200);
      expect((await get(services[0]!, '/audit', key)).status).toBe(403);
      expect(cli(env, 'keys', 'revoke', 'ops-1').code).toBe(0);
      for (const replica of services) expect((await get(replica, '/sinks', key)).status).toBe(401);
      const trail = JSON.parse(`[${cli(env, 'audit', '--json').out.trim().split('\n').join(',')}]`) as { actor: string; action: string }[];
      expect(trail.map((r) => [r.actor, r.action])).toEqual([
        ['unknown', 'refused'],
        ['unknown', 'refused'],
        [CLI_ACTOR, 'key_revoke'],
        ['ops-1', 'refused'],
        [CLI_ACTOR, 'key_add'],
      ]);
    },
  );
});
