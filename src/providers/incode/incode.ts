import { createHmacVerifier, SIGNATURE_HEADERS } from '../../auth/hmac.js';
import { createIpAllowList } from '../../auth/ip-allow-list.js';
import { parseBearer, type OAuthIssuer } from '../../auth/oauth.js';
import { createStaticHeaderVerifier } from '../../auth/static-header.js';
import type { AuthCheck } from '../../auth/auth-check.js';
import type { Config } from '../../config.js';
import type { IncomingHttpHeaders } from 'node:http';
import { firstHeader, headerValue, type Access, type Authentication, type AuthMethod, type Provider } from '../provider.js';
import { classifyIncode } from './classify.js';

/**
 * Incode does not sign its webhooks; the route passes a request that satisfies ANY configured
 * method: a static secret header (Incode's dashboard custom headers), an OAuth 2.0 bearer token
 * (client credentials, POST /oauth/token), or an HMAC signature as Veriff makes it.
 */
function access(config: Config['incode'], oauth: OAuthIssuer | undefined): Access {
  const methods: AuthMethod[] = [];
  if (config.headerName !== undefined && config.headerSecrets.length > 0) {
    const verifier = createStaticHeaderVerifier(config.headerName, config.headerSecrets);
    methods.push(headerMethod('static-header', (headers) => verifier.verify(headerValue(headers, verifier.headerName))));
  }
  if (oauth) {
    methods.push(headerMethod('oauth', (headers) => oauth.verify(parseBearer(headerValue(headers, 'authorization')))));
  }
  if (config.hmacSecrets.length > 0) {
    const hmac = createHmacVerifier(config.hmacSecrets);
    methods.push({
      name: 'hmac',
      inBody: true,
      check: (headers, rawBody) => named('hmac', hmac.verify(rawBody ?? Buffer.alloc(0), firstHeader(headers, SIGNATURE_HEADERS))),
    });
  }
  if (methods.length === 0) {
    return {
      configured: false,
      missing: ['INCODE_HEADER_NAME', 'INCODE_HEADER_SECRET', 'INCODE_OAUTH_CLIENT_ID', 'INCODE_OAUTH_CLIENT_SECRET', 'INCODE_HMAC_SECRET'],
    };
  }
  return { configured: true, methods };
}

/** For Incode, the integration recorded with an event is the method that passed. */
const named = (name: string, check: AuthCheck): Authentication => (check.ok ? { ok: true, integration: name } : check);
const headerMethod = (name: string, check: (headers: IncomingHttpHeaders) => AuthCheck): AuthMethod => ({
  name,
  inBody: false,
  check: (headers) => named(name, check(headers)),
});

export function createIncodeProvider(config: Config['incode'], oauth: OAuthIssuer | undefined): Provider {
  return {
    name: 'incode',
    paths: ['/webhooks/incode/ine-scraping'],
    access: access(config, oauth),
    allowList: config.allowedIps.length > 0 ? createIpAllowList(config.allowedIps) : undefined,
    // Incode's page: the body must be {"success": "true"} (a string), with a JSON content type.
    successBody: { success: 'true' },
    classify: classifyIncode,
  };
}
