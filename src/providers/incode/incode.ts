import { createHmacVerifier, SIGNATURE_HEADERS } from '../../auth/hmac.js';
import { createIpAllowList } from '../../auth/ip-allow-list.js';
import { parseBearer, type OAuthIssuer } from '../../auth/oauth.js';
import { createStaticHeaderVerifier } from '../../auth/static-header.js';
import type { AuthCheck } from '../../auth/auth-check.js';
import type { Config } from '../../config.js';
import { headerValue, type Access, type InboundRequest, type Interpretation, type Provider } from '../provider.js';
import { toPayloadIssues } from '../zod-issues.js';
import { ineScrapingSchema } from './schema.js';

type Method = { name: 'static-header' | 'oauth' | 'hmac'; check(request: InboundRequest): AuthCheck };

/** Incode does not sign; the route passes a request that satisfies ANY configured method (SPEC §3). */
function access(config: Config['incode'], oauth: OAuthIssuer | undefined): Access {
  const methods: Method[] = [];
  if (config.headerName !== undefined && config.headerSecrets.length > 0) {
    const verifier = createStaticHeaderVerifier(config.headerName, config.headerSecrets);
    methods.push({ name: 'static-header', check: (r) => verifier.verify(headerValue(r.headers, verifier.headerName)) });
  }
  if (oauth) {
    methods.push({ name: 'oauth', check: (r) => oauth.verify(parseBearer(headerValue(r.headers, 'authorization'))) });
  }
  if (config.hmacSecrets.length > 0) {
    const hmac = createHmacVerifier(config.hmacSecrets);
    methods.push({
      name: 'hmac',
      check: (r) =>
        hmac.verify(
          r.rawBody,
          SIGNATURE_HEADERS.map((h) => headerValue(r.headers, h)).find((v) => v !== undefined),
        ),
    });
  }
  if (methods.length === 0) {
    return {
      configured: false,
      missing: ['INCODE_HEADER_NAME', 'INCODE_HEADER_SECRET', 'INCODE_OAUTH_CLIENT_ID', 'INCODE_OAUTH_CLIENT_SECRET', 'INCODE_HMAC_SECRET'],
    };
  }
  return {
    configured: true,
    authenticate(request) {
      const reasons: string[] = [];
      for (const method of methods) {
        const check = method.check(request);
        if (check.ok) return { ok: true, integration: method.name };
        reasons.push(`${method.name}: ${check.reason}`);
      }
      return { ok: false, reason: reasons.join('; ') };
    },
  };
}

function interpret(payload: unknown): Interpretation {
  const parsed = ineScrapingSchema.safeParse(payload);
  if (!parsed.success) return { ok: false, issues: toPayloadIssues(parsed.error) };
  const p = parsed.data;
  const interviewId = (p.InterviewId ?? p.interviewId)!;
  const status = (p.ScrapingStatus ?? p.scrapingStatus)!;
  return {
    ok: true,
    recognised: true,
    event: {
      type: 'ine_scraping',
      sessionId: interviewId,
      reference: p.externalId ?? null,
      status,
      dedupeMaterial: [interviewId, status],
    },
  };
}

export function createIncodeProvider(config: Config['incode'], oauth: OAuthIssuer | undefined): Provider {
  return {
    name: 'incode',
    path: '/webhooks/incode/ine-scraping',
    access: access(config, oauth),
    allowList: config.allowedIps.length > 0 ? createIpAllowList(config.allowedIps) : undefined,
    // Incode's page: the body must be {"success": "true"} (a string), with a JSON content type.
    successBody: { success: 'true' },
    interpret,
  };
}
