import { createHmacVerifier, SIGNATURE_HEADERS } from '../../auth/hmac.js';
import { createIpAllowList } from '../../auth/ip-allow-list.js';
import type { Config } from '../../config.js';
import { headerValue, type Access, type Interpretation, type Provider } from '../provider.js';
import { toPayloadIssues } from '../zod-issues.js';
import { ineRegistrySchema, otherEventSchema } from './schema.js';

function access(secrets: readonly string[]): Access {
  if (secrets.length === 0) return { configured: false, missing: ['VERIFF_SHARED_SECRET'] };
  const hmac = createHmacVerifier(secrets);
  return {
    configured: true,
    authenticate(request) {
      const signature = SIGNATURE_HEADERS.map((h) => headerValue(request.headers, h)).find((v) => v !== undefined);
      // x-auth-client is the integration's API key: which integration sent it, recorded with the event.
      const integration = headerValue(request.headers, 'x-auth-client') ?? null;
      const check = hmac.verify(request.rawBody, signature);
      if (check.ok) return { ok: true, integration };
      return { ok: false, reason: integration ? `${check.reason} for integration ${integration}` : check.reason };
    },
  };
}

function interpret(payload: unknown): Interpretation {
  if ((payload as { eventType?: unknown } | null)?.eventType !== 'ine_registry') return interpretOther(payload);
  const parsed = ineRegistrySchema.safeParse(payload);
  if (!parsed.success) return { ok: false, issues: toPayloadIssues(parsed.error) };
  const p = parsed.data;
  const active = p.data.details?.active;
  return {
    ok: true,
    recognised: true,
    event: {
      type: 'ine_registry',
      sessionId: p.sessionId,
      reference: p.vendorData ?? null,
      status: active === true ? 'valid' : active === false ? 'invalid' : null,
      // A retry whose only change is `time` is the same event; a different result is a new one.
      dedupeMaterial: [p.eventType, p.sessionId, p.attemptId, p.version, p.data],
    },
  };
}

/** Any other event type Veriff may start sending: only `eventType` is required. */
function interpretOther(payload: unknown): Interpretation {
  const other = otherEventSchema.safeParse(payload);
  if (!other.success) return { ok: false, issues: toPayloadIssues(other.error) };

  // Veriff's rule: listeners must handle unfamiliar event types; store them, answer 200.
  const { time: _time, ...withoutTime } = other.data;
  const sessionId = typeof other.data.sessionId === 'string' ? other.data.sessionId : null;
  const reference = typeof other.data.vendorData === 'string' ? other.data.vendorData : null;
  return {
    ok: true,
    recognised: false,
    event: { type: other.data.eventType, sessionId, reference, status: null, dedupeMaterial: withoutTime },
  };
}

export function createVeriffProvider(config: Config['veriff']): Provider {
  return {
    name: 'veriff',
    path: '/webhooks/veriff/ine-registry',
    access: access(config.secrets),
    allowList: config.allowedIps.length > 0 ? createIpAllowList(config.allowedIps) : undefined,
    // Veriff counts exactly a 200 as delivered.
    successBody: { status: 'success' },
    interpret,
  };
}
