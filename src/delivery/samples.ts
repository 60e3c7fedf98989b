import { randomUUID } from 'node:crypto';

/** Shaped like the sample on Veriff's INE webhook page (seeds/veriff-ine-webhook.md), with fresh ids. */
export function sampleVeriffIneRegistry(now = new Date(), ids: { sessionId?: string; vendorData?: string } = {}): Record<string, unknown> {
  return {
    eventType: 'ine_registry',
    sessionId: ids.sessionId ?? randomUUID(),
    attemptId: randomUUID(),
    vendorData: ids.vendorData ?? `customer-${Math.floor(Math.random() * 1e6)}`,
    endUserId: null,
    version: '1.0.0',
    time: now.toISOString(),
    data: {
      status: 'La credencial es válida',
      code: 200,
      details: { active: true, documentState: 'El documento es válido.' },
    },
  };
}

/** Shaped like Incode's INE scraping notification (seeds/incode-ine-scraping-webhook.md). */
export function sampleIncodeIneScraping(
  status: 'IN_PROGRESS' | 'FINISHED',
  interviewId: string = randomUUID().replace(/-/g, '').slice(0, 24),
  externalId: string | null = null,
): Record<string, unknown> {
  return { InterviewId: interviewId, ...(externalId !== null ? { externalId } : {}), ScrapingStatus: status };
}
