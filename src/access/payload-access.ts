import type { AuditTrail } from './audit-trail.js';
import { atLeast, type Principal } from './roles.js';

/** How a read shows payloads and raw bodies: in full, or left out with a marker. */
export type PayloadView = 'shown' | 'withheld';

/**
 * The one gate every read that could show a payload goes through (API, CLI): support and above
 * see payloads, and each such read leaves one audit record, written before the bytes are sent;
 * a viewer gets the metadata with the payload withheld, and nothing is recorded; nor is a read of
 * a page that came back empty (`items: 0`).
 */
export async function payloadView(
  audit: AuditTrail,
  principal: Principal,
  read: { subject: string | null; detail?: Record<string, unknown> | undefined; items?: number | undefined },
): Promise<PayloadView> {
  // A viewer sees none; and a read that found nothing showed nothing, so it leaves no record.
  if (!atLeast(principal.role, 'support') || read.items === 0) return 'withheld';
  await audit({
    actor: principal.actor,
    role: principal.role,
    action: 'read_payload',
    subject: read.subject,
    reason: null,
    outcome: 'ok',
    detail: read.detail,
  });
  return 'shown';
}
