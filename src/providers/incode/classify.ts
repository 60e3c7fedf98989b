import { z } from 'zod';
import { object, reference, text, type Json } from '../fields.js';
import type { Classification, Classified } from '../provider.js';
import { toPayloadIssues } from '../zod-issues.js';

/**
 * Incode's notifications, recognised by shape. INE scraping (IN_PROGRESS, then FINISHED, after
 * which the result is read from Incode's score API) spells its fields in PascalCase; Incode's other
 * webhooks, such as the onboarding status, in camelCase: both spellings are read. Any other
 * authentic JSON is stored as `unrecognised`.
 * https://developer.incode.com/docs/webhooks
 */
const ineScrapingSchema = z.looseObject({}).check((ctx) => {
  const id = ctx.value.InterviewId ?? ctx.value.interviewId;
  if (typeof id !== 'string' || id === '') {
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      path: ['InterviewId'],
      message: 'Required: a non-empty string (InterviewId or interviewId)',
    });
  }
});

const interviewIdOf = (p: Json | undefined) => text(p?.InterviewId) ?? text(p?.interviewId);

export function classifyIncode(payload: unknown): Classification {
  const p = object(payload);
  const scrapingStatus = p?.ScrapingStatus ?? p?.scrapingStatus;
  if (p && scrapingStatus !== undefined) {
    const checked = ineScrapingSchema.safeParse(p);
    if (!checked.success) return { ok: false, issues: toPayloadIssues(checked.error) };
    const interviewId = interviewIdOf(p)!;
    const event: Classified = {
      type: 'ine_scraping',
      sessionId: interviewId,
      reference: reference(p.externalId),
      // An unfamiliar status is stored as sent, not refused.
      status: text(scrapingStatus),
      vendorTime: null,
      // A late IN_PROGRESS retry after FINISHED is its own (older) event, FINISHED again a duplicate.
      dedupeMaterial: [interviewId, scrapingStatus],
      recognised: true,
    };
    return { ok: true, event };
  }
  if (p && p.onboardingStatus !== undefined) {
    return {
      ok: true,
      event: {
        type: 'onboarding_status',
        sessionId: interviewIdOf(p),
        reference: reference(p.externalId),
        status: text(p.onboardingStatus),
        vendorTime: null,
        dedupeMaterial: p,
        recognised: true,
      },
    };
  }
  return {
    ok: true,
    event: {
      type: 'unrecognised',
      sessionId: interviewIdOf(p),
      reference: reference(p?.externalId),
      status: null,
      vendorTime: null,
      dedupeMaterial: payload,
      recognised: false,
    },
  };
}
