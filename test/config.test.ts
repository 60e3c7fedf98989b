import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
};

describe('config', () => {
  it('has working defaults for an empty environment (routes closed, SQLite in ./data)', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      adminPort: 9090,
      adminToken: undefined,
      dataDir: path.resolve('data'),
      databaseUrl: undefined,
      bodyLimit: 262144,
      logLevel: 'info',
      trustProxy: false,
      env: 'production',
      veriff: { secrets: [], allowedIps: [] },
      incode: { headerName: undefined, oauth: undefined, hmacSecrets: [] },
    });
  });

  it('reads lists, sizes, TTL and treats empty values as unset', () => {
    const c = loadConfig({
      VERIFF_SHARED_SECRET: ' a , b,,',
      BODY_LIMIT: '1mb',
      INCODE_HEADER_NAME: 'X-Webhook-Secret',
      INCODE_HEADER_SECRET: 'h'.repeat(16),
      INCODE_OAUTH_CLIENT_ID: 'id',
      INCODE_OAUTH_CLIENT_SECRET: 's'.repeat(16),
      INCODE_OAUTH_TOKEN_TTL: '120',
      ADMIN_TOKEN: '',
      TRUST_PROXY: '1',
      VERIFF_ALLOWED_IPS: '1.2.3.4, 10.0.0.0/8, ::1',
    });
    expect(c.veriff.secrets).toEqual(['a', 'b']);
    expect(c.bodyLimit).toBe(1024 * 1024);
    expect(c.incode.headerName).toBe('x-webhook-secret');
    expect(c.incode.oauth).toEqual({ clientId: 'id', clientSecrets: ['s'.repeat(16)], tokenTtlSeconds: 120 });
    expect(c.adminToken).toBeUndefined();
    expect(c.trustProxy).toBe(1);
    expect(c.veriff.allowedIps).toEqual(['1.2.3.4', '10.0.0.0/8', '::1']);
  });

  it('reads the SSO proxy settings, and refuses a partial or meaningless proxy setup at start', () => {
    const c = loadConfig({
      AUTH_PROXY_HEADER: 'X-Forwarded-Email',
      AUTH_PROXY_CIDRS: '10.0.5.10/32, ::1',
      AUTH_PROXY_ROLES: 'ana@example.mx=admin, *@example.mx=viewer',
    });
    expect(c.authProxy).toEqual({
      header: 'x-forwarded-email',
      cidrs: ['10.0.5.10/32', '::1'],
      roles: [
        { pattern: 'ana@example.mx', role: 'admin' },
        { pattern: '*@example.mx', role: 'viewer' },
      ],
    });
    expect(loadConfig({}).authProxy).toBeUndefined();
    expect(problems({ AUTH_PROXY_HEADER: 'X-Forwarded-Email', AUTH_PROXY_ROLES: 'a=admin' })).toEqual([
      "AUTH_PROXY_CIDRS: required when AUTH_PROXY_HEADER and AUTH_PROXY_ROLES are set (the proxy's addresses: the header is trusted from them only)",
    ]);
    expect(problems({ AUTH_PROXY_HEADER: 'X-Forwarded-Email', AUTH_PROXY_CIDRS: '10.0.0.1' })).toEqual([
      'AUTH_PROXY_ROLES: required when AUTH_PROXY_HEADER and AUTH_PROXY_CIDRS are set (e.g. ana@example.mx=admin,*@example.mx=viewer)',
    ]);
    expect(problems({ AUTH_PROXY_HEADER: 'X-Email', AUTH_PROXY_CIDRS: '10.0.0.1', AUTH_PROXY_ROLES: 'ana=root,*=' })).toEqual([
      'AUTH_PROXY_ROLES: "ana=root": the role must be one of viewer, support, operator, admin',
      'AUTH_PROXY_ROLES: "*=": the role must be one of viewer, support, operator, admin',
    ]);
    expect(problems({ AUTH_PROXY_HEADER: 'X-Email', AUTH_PROXY_CIDRS: '10.0.0.1', AUTH_PROXY_ROLES: ',' })).toEqual([
      'AUTH_PROXY_ROLES: names no identity=role pair (roles: viewer, support, operator, admin)',
    ]);
    expect(problems({ AUTH_PROXY_CIDRS: 'not-an-ip', AUTH_PROXY_ROLES: 'a=admin' })).toEqual([
      'AUTH_PROXY_CIDRS: not an IP address or CIDR range: not-an-ip',
    ]);
    expect(problems({ AUTH_PROXY_ROLES: 'a=admin' })).toEqual([
      'AUTH_PROXY_HEADER: required when AUTH_PROXY_ROLES is set (the header the proxy puts the identity in)',
      "AUTH_PROXY_CIDRS: required when AUTH_PROXY_ROLES is set (the proxy's addresses: the header is trusted from them only)",
    ]);
  });

  it('lists every problem at once', () => {
    const list = problems({
      PORT: 'abc',
      LOG_LEVEL: 'loud',
      BODY_LIMIT: '2gb',
      VERIFF_ALLOWED_IPS: '1.2.3.4/40,nope',
      DATABASE_URL: 'mysql://x',
      ADMIN_TOKEN: 'short',
    });
    expect(list.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining(['PORT', 'LOG_LEVEL', 'BODY_LIMIT', 'VERIFF_ALLOWED_IPS', 'DATABASE_URL', 'ADMIN_TOKEN']),
    );
    expect(list.find((p) => p.startsWith('VERIFF_ALLOWED_IPS'))).toContain('1.2.3.4/40, nope');
  });

  it('lists a problem across settings together with the others, not after they are fixed', () => {
    const list = problems({ PORT: '4000', ADMIN_PORT: '4000', LOG_LEVEL: 'loud' });
    expect(list).toEqual([
      'LOG_LEVEL: Invalid option: expected one of "fatal"|"error"|"warn"|"info"|"debug"|"trace"|"silent"',
      'ADMIN_PORT: must differ from PORT (the admin listener is never on the public port)',
    ]);
  });

  it('lists pairing problems of the Incode settings together', () => {
    const list = problems({ INCODE_HEADER_NAME: 'x-secret', INCODE_OAUTH_CLIENT_SECRET: 'z'.repeat(20), INCODE_HMAC_SECRET: 'ok' });
    expect(list).toEqual([
      'INCODE_HEADER_SECRET: required when INCODE_HEADER_NAME is set',
      'INCODE_OAUTH_CLIENT_ID: required when INCODE_OAUTH_CLIENT_SECRET is set',
    ]);
  });

  it.each([
    [
      { INCODE_HEADER_NAME: 'authorization', INCODE_HEADER_SECRET: 'h'.repeat(16) },
      'INCODE_HEADER_NAME: authorization is a standard or signature header',
    ],
    [{ INCODE_HEADER_NAME: 'bad header', INCODE_HEADER_SECRET: 'h'.repeat(16) }, 'INCODE_HEADER_NAME: not a valid HTTP header name'],
    [{ INCODE_HEADER_NAME: 'x-s', INCODE_HEADER_SECRET: 'short' }, 'INCODE_HEADER_SECRET: each secret must be at least 16 characters'],
    [{ PORT: '4000', ADMIN_PORT: '4000' }, 'ADMIN_PORT: must differ from PORT'],
    [{ TRUST_PROXY: 'everyone' }, 'TRUST_PROXY: must be false, a hop count'],
    [{ TRUST_PROXY: 'true' }, 'TRUST_PROXY: true trusts every proxy'],
  ])('refuses %o', (env, message) => {
    expect(problems(env).join('\n')).toContain(message);
  });

  it('never puts a secret value in its messages', () => {
    const list = problems({ INCODE_HEADER_SECRET: 'my-precious-secret-value', INCODE_OAUTH_CLIENT_SECRET: 'tiny' });
    expect(list.join('\n')).not.toMatch(/precious|tiny/);
  });
});

describe('documentation in step with the code', () => {
  const root = path.resolve(import.meta.dirname, '..');
  it('.env.example documents exactly the settings the service reads, and loads as a valid config', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('dotenv');
    const { SETTING_NAMES } = await import('../src/config.js');
    const example = parse(readFileSync(path.join(root, '.env.example')));
    expect(Object.keys(example).sort()).toEqual([...SETTING_NAMES].sort());
    expect(() => loadConfig(example)).not.toThrow();
  });

  it('the README settings table lists every setting', async () => {
    const { readFileSync } = await import('node:fs');
    const { SETTING_NAMES } = await import('../src/config.js');
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const missing = SETTING_NAMES.filter((name) => !readme.includes(`| \`${name}\``));
    expect(missing).toEqual([]);
  });
});
