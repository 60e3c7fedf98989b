import { parseProxyRoles, type ProxyRoleRule } from '../access/proxy-roles.js';
import { parsePayloadKeys, type PayloadKey } from '../privacy/payload-keys.js';
import { allOrNone } from './all-or-none.js';
import type { EnvSettings, SettingName } from './env-schema.js';
import { HEADER_TOKEN, RESERVED_HEADERS } from './parsers.js';

/** What the checks across settings find: their problems, and the values parsed on the way. */
export interface CrossFieldResult {
  problems: string[];
  /** INCODE_HEADER_NAME, lower-cased. */
  headerName: string | undefined;
  payloadKeys: PayloadKey[];
  proxyRoles: ProxyRoleRule[];
}

/**
 * The checks across settings, run on those that parsed (`valid`) even when others did not, so
 * every problem is said at once: settings that go together, names and ports that must differ,
 * timeouts that must nest, and the lists with a grammar of their own (PAYLOAD_KEYS, AUTH_PROXY_ROLES).
 */
export function crossFieldRules(e: EnvSettings, valid: (...keys: SettingName[]) => boolean): CrossFieldResult {
  const problems: string[] = [];
  const isSet = (key: SettingName) => {
    const value = e[key];
    return Array.isArray(value) ? value.length > 0 : value !== undefined;
  };
  const together = (group: Omit<Parameters<typeof allOrNone<SettingName>>[0], 'isSet'>) => {
    if (valid(...group.keys)) problems.push(...allOrNone({ ...group, isSet }));
  };

  together({ keys: ['INCODE_HEADER_NAME', 'INCODE_HEADER_SECRET'], hints: { INCODE_HEADER_NAME: 'the custom header Incode sends it in' } });
  const headerName = valid('INCODE_HEADER_NAME', 'INCODE_HEADER_SECRET') ? e.INCODE_HEADER_NAME?.toLowerCase() : undefined;
  if (headerName !== undefined && !HEADER_TOKEN.test(headerName)) problems.push('INCODE_HEADER_NAME: not a valid HTTP header name');
  if (headerName !== undefined && RESERVED_HEADERS.has(headerName)) {
    problems.push(`INCODE_HEADER_NAME: ${headerName} is a standard or signature header; choose a custom one such as x-webhook-secret`);
  }
  together({ keys: ['INCODE_OAUTH_CLIENT_ID', 'INCODE_OAUTH_CLIENT_SECRET'] });
  if (valid('INCODE_OAUTH_CLIENT_ID') && e.INCODE_OAUTH_CLIENT_ID !== undefined && /[:\s]/.test(e.INCODE_OAUTH_CLIENT_ID)) {
    problems.push('INCODE_OAUTH_CLIENT_ID: must not contain a colon or white space (HTTP Basic credentials)');
  }

  let payloadKeys: PayloadKey[] = [];
  if (valid('PAYLOAD_KEYS') && e.PAYLOAD_KEYS !== undefined) {
    const parsed = parsePayloadKeys(e.PAYLOAD_KEYS);
    problems.push(...parsed.problems.map((p) => `PAYLOAD_KEYS: ${p}`));
    payloadKeys = parsed.keys;
  }

  together({
    keys: ['AUTH_PROXY_HEADER', 'AUTH_PROXY_CIDRS', 'AUTH_PROXY_ROLES'],
    hints: {
      AUTH_PROXY_HEADER: 'the header the proxy puts the identity in',
      AUTH_PROXY_CIDRS: "the proxy's addresses: the header is trusted from them only",
      AUTH_PROXY_ROLES: 'e.g. ana@example.mx=admin,*@example.mx=viewer',
    },
  });
  if (valid('AUTH_PROXY_HEADER') && e.AUTH_PROXY_HEADER !== undefined && !HEADER_TOKEN.test(e.AUTH_PROXY_HEADER)) {
    problems.push('AUTH_PROXY_HEADER: not a valid HTTP header name');
  }
  let proxyRoles: ProxyRoleRule[] = [];
  if (valid('AUTH_PROXY_ROLES') && e.AUTH_PROXY_ROLES !== undefined) {
    const parsed = parseProxyRoles(e.AUTH_PROXY_ROLES);
    problems.push(...parsed.problems.map((p) => `AUTH_PROXY_ROLES: ${p}`));
    proxyRoles = parsed.rules;
  }

  if (valid('PORT', 'ADMIN_PORT') && e.PORT !== 0 && e.PORT === e.ADMIN_PORT) {
    problems.push('ADMIN_PORT: must differ from PORT (the admin listener is never on the public port)');
  }
  if (valid('HEADERS_TIMEOUT_MS', 'REQUEST_TIMEOUT_MS') && e.HEADERS_TIMEOUT_MS > e.REQUEST_TIMEOUT_MS) {
    problems.push('HEADERS_TIMEOUT_MS: must not exceed REQUEST_TIMEOUT_MS');
  }
  together({
    keys: ['FORWARD_URL', 'FORWARD_SECRET'],
    hints: { FORWARD_URL: 'where events are forwarded', FORWARD_SECRET: 'the key forwarded events are signed with' },
  });
  together({
    what: 'the Incode score fetch',
    keys: ['INCODE_API_URL', 'INCODE_API_KEY', 'INCODE_EXECUTIVE_EMAIL', 'INCODE_EXECUTIVE_PASSWORD'],
  });
  // The reconciliation signs with the integration's shared secret, set already for the webhooks:
  // the API's URL or key turns it on.
  together({
    what: 'the Veriff decision reconciliation',
    keys: ['VERIFF_API_URL', 'VERIFF_API_KEY', 'VERIFF_SHARED_SECRET'],
    triggers: ['VERIFF_API_URL', 'VERIFF_API_KEY'],
  });
  return { problems, headerName, payloadKeys, proxyRoles };
}
