import { createHmacVerifier, SIGNATURE_HEADERS } from '../../auth/hmac.js';
import { createIpAllowList } from '../../auth/ip-allow-list.js';
import type { Config } from '../../config.js';
import { firstHeader, type Access, type Provider } from '../provider.js';
import { classifyVeriff } from './classify.js';

/** Veriff names both spellings of its headers; the first present is used. */
const AUTH_CLIENT_HEADERS = ['x-auth-client', 'vrf-auth-client'] as const;

function access(secrets: readonly string[]): Access {
  if (secrets.length === 0) return { configured: false, missing: ['VERIFF_SHARED_SECRET'] };
  const hmac = createHmacVerifier(secrets);
  return {
    configured: true,
    methods: [
      {
        name: 'hmac',
        inBody: true,
        check(headers, rawBody) {
          // The integration's API key: which integration sent it, recorded with the event.
          const integration = firstHeader(headers, AUTH_CLIENT_HEADERS) ?? null;
          const check = hmac.verify(rawBody ?? Buffer.alloc(0), firstHeader(headers, SIGNATURE_HEADERS));
          if (check.ok) return { ok: true, integration };
          return { ok: false, reason: integration ? `${check.reason} for integration ${integration.slice(0, 100)}` : check.reason };
        },
      },
    ],
  };
}

export function createVeriffProvider(config: Config['veriff']): Provider {
  return {
    name: 'veriff',
    // One URL for every Veriff webhook field; the first edition's INE registry URL keeps working.
    paths: ['/webhooks/veriff', '/webhooks/veriff/ine-registry'],
    access: access(config.secrets),
    allowList: config.allowedIps.length > 0 ? createIpAllowList(config.allowedIps) : undefined,
    // Veriff counts exactly a 200 as delivered.
    successBody: { status: 'success' },
    classify: classifyVeriff,
  };
}
