/**
 * Third round of hardening, the attacks on values rather than on connections, against the built
 * service on both backends: ambiguous JSON, identifiers that cannot be read back, terminal escapes
 * for the operator's screen, echoes in the log, another installation's OAuth tokens, the data
 * folder's modes.
 */
import { statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { signHmac } from '../src/auth/hmac.js';
import { fetchOAuthToken } from '../src/delivery/send-webhook.js';
import { cli } from '../test/helpers/cli.js';
import { tempDir } from '../test/helpers/harness.js';
import { createSchema, postgresAvailable } from '../test/helpers/postgres.js';
import { startProcess, type ServiceProcess } from '../test/helpers/service-process.js';
import { report } from './reliability-config.js';
import { SERVICE_SECRETS, VERIFF_SECRET } from './vendor-sender.js';

const ADMIN_TOKEN = 'reliability-admin-token-0123456789';
const OAUTH = { INCODE_OAUTH_CLIENT_ID: 'incode', INCODE_OAUTH_CLIENT_SECRET: 'shared-oauth-secret-0123456789' };
const backends = [
  {
    name: 'SQLite',
    skip: false,
    place: async () => {
      const d = tempDir('ine-values-');
      return { env: { DATA_DIR: d.dir }, dir: d.dir as string | undefined, drop: async () => d.remove() };
    },
  },
  {
    name: 'PostgreSQL',
    skip: !postgresAvailable,
    place: async () => {
      const s = await createSchema();
      return { env: { DATABASE_URL: s.url }, dir: undefined, drop: s.drop };
    },
  },
];

for (const backend of backends) {
  describe.skipIf(backend.skip)(`hostile values on ${backend.name}`, () => {
    const services: ServiceProcess[] = [];
    const drops: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const s of services.splice(0)) if (s.child.exitCode === null) await s.stop('SIGKILL');
      for (const d of drops.splice(0)) await d();
    });
    const start = async () => {
      const place = await backend.place();
      drops.push(place.drop);
      const env = { ...place.env, ...SERVICE_SECRETS, ...OAUTH, ADMIN_TOKEN, LOG_LEVEL: 'info' };
      const service = await startProcess(env);
      services.push(service);
      return { service, env, dir: place.dir };
    };
    const veriff = (service: ServiceProcess, body: string, headers: Record<string, string> = {}) =>
      fetch(`${service.url}/webhooks/veriff`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hmac-signature': signHmac(VERIFF_SECRET, body), ...headers },
        body,
      });
    const admin = (service: ServiceProcess, path: string) =>
      fetch(`${service.adminUrl}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

    it("ambiguous JSON and unreadable identifiers are quarantined; hostile values reach neither the terminal nor the log raw; another installation's tokens are refused", async () => {
      const { service, env, dir } = await start();
      const decision = (id: string, extra = '') =>
        `{"verification":{"id":"${id}","vendorData":"cust-values","status":"approved","decisionTime":"2026-12-01T10:00:00Z"${extra}}}`;
      const answers = {
        duplicateKey: (await veriff(service, decision('v-dup', ',"id":"v-other"'))).status,
        cleanLastValues: (await veriff(service, decision('v-other'))).status,
        loneSurrogates: await Promise.all(['\\ud800', '\\ud801', '\\udc00'].map(async (s) => (await veriff(service, decision(s))).status)),
        idOf1500: (await veriff(service, decision('x'.repeat(1500)))).status,
        idOf1024: (await veriff(service, decision('y'.repeat(1024)))).status,
        readOf1024: (await admin(service, `/sessions/${'y'.repeat(1024)}`)).status,
        arrayParam: (await admin(service, '/events?sessionId[]=a')).status,
        hostileStatus: (await veriff(service, decision('v-tty', '').replace('"approved"', '"approved\\u001b[2K\\rdeclined"'))).status,
        longIntegration: (await veriff(service, decision('v-long'), { 'x-auth-client': 'c'.repeat(8000) })).status,
        c1ContentType: (await veriff(service, decision('v-c1'), { 'content-type': `application/xml\u0085\u009b2J` })).status,
      };
      // The other installation: its own database, the same OAuth client secret.
      const other = await start();
      const foreign = await fetchOAuthToken(other.service.url, OAUTH.INCODE_OAUTH_CLIENT_ID, OAUTH.INCODE_OAUTH_CLIENT_SECRET);
      const own = await fetchOAuthToken(service.url, OAUTH.INCODE_OAUTH_CLIENT_ID, OAUTH.INCODE_OAUTH_CLIENT_SECRET);
      const incode = (token: string) =>
        fetch(`${service.url}/webhooks/incode/ine-scraping`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: `{"InterviewId":"i-${token.length}-${Math.random()}","ScrapingStatus":"FINISHED"}`,
        });
      const tokens = { foreign: (await incode(foreign)).status, own: (await incode(own)).status };
      const show = cli(env, 'show', 'cust-values');
      const lines = service.lines.filter((l) => 'outcome' in l);
      report(`hostile values (${backend.name})`, {
        ...Object.fromEntries(Object.entries(answers).map(([k, v]) => [k, Array.isArray(v) ? v.join('/') : v])),
        foreignToken: tokens.foreign,
        ownToken: tokens.own,
        longestLoggedIntegration: Math.max(...lines.map((l) => String(l.integration ?? '').length)),
      });
      expect(answers).toEqual({
        duplicateKey: 400,
        cleanLastValues: 200,
        loneSurrogates: [400, 400, 400],
        idOf1500: 400,
        idOf1024: 200,
        readOf1024: 200,
        arrayParam: 400,
        hostileStatus: 200,
        longIntegration: 200,
        c1ContentType: 415,
      });
      expect(tokens).toEqual({ foreign: 401, own: 200 });
      expect(show.code).toBe(0);
      expect(show.out).toContain('approved\\x1b[2K\\rdeclined');
      // eslint-disable-next-line no-control-regex -- matching control characters is the point
      expect(show.out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
      expect(Math.max(...lines.map((l) => String(l.integration ?? '').length))).toBeLessThanOrEqual(101);
      expect(service.stdout.join('\n')).not.toMatch(/[\u0080-\u009f]/);
      if (dir) {
        expect((statSync(dir).mode & 0o777).toString(8)).toBe('700');
        expect((statSync(`${dir}/events.sqlite3`).mode & 0o777).toString(8)).toBe('600');
      }
    }, 120_000);
  });
}
