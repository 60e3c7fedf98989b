import { randomUUID } from 'node:crypto';

/** Shaped like the sample on Veriff's INE webhook page (https://devdocs.veriff.com/docs/ine-webhook), with fresh ids. */
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

/** Shaped like Incode's INE scraping notification (Incode's INE Scraping webhook page, https://developer.incode.com/docs/webhooks). */
export function sampleIncodeIneScraping(
  status: 'IN_PROGRESS' | 'FINISHED',
  interviewId: string = randomUUID().replace(/-/g, '').slice(0, 24),
  externalId: string | null = null,
): Record<string, unknown> {
  return { InterviewId: interviewId, ...(externalId !== null ? { externalId } : {}), ScrapingStatus: status };
}

/** The Veriff webhook kinds `ine-webhooks send veriff --kind` can send. */
export const VERIFF_KINDS = ['ine_registry', 'decision', 'event', 'combined-ine-curp-registry', 'curp_registry', 'watchlist'] as const;
export type VeriffKind = (typeof VERIFF_KINDS)[number];

/**
 * A sample of each Veriff webhook kind, shaped as Veriff's pages show them (decision, event,
 * INE+CURP, CURP and watchlist webhooks), with fresh ids.
 */
export function sampleVeriff(
  kind: VeriffKind,
  ids: { sessionId?: string; vendorData?: string } = {},
  now = new Date(),
): Record<string, unknown> {
  const sessionId = ids.sessionId ?? randomUUID();
  const vendorData = ids.vendorData ?? `customer-${Math.floor(Math.random() * 1e6)}`;
  const attemptId = randomUUID();
  switch (kind) {
    case 'ine_registry':
      return sampleVeriffIneRegistry(now, { sessionId, vendorData });
    case 'decision':
      return {
        status: 'success',
        verification: {
          id: sessionId,
          attemptId,
          vendorData,
          endUserId: null,
          status: 'approved',
          code: 9001,
          reason: null,
          reasonCode: null,
          decisionTime: now.toISOString(),
          acceptanceTime: now.toISOString(),
          person: { firstName: 'JUANA', lastName: 'PÉREZ GARCÍA', idNumber: null },
          document: { number: 'IDMEX1234567890', type: 'ID_CARD', country: 'MX', validUntil: null },
          additionalVerifiedData: {},
        },
        technicalData: { ip: null },
      };
    case 'event':
      return { id: sessionId, attemptId, feature: 'selfid', code: 7002, action: 'submitted', vendorData, endUserId: null };
    case 'combined-ine-curp-registry':
      return {
        eventType: 'combined-ine-curp-registry',
        sessionId,
        vendorData,
        endUserId: null,
        attemptId,
        version: '1.0.0',
        time: now.toISOString(),
        data: { details: { ine: { ineIdentifier: 'IDMEX1234567890', active: true }, curp: { curp: 'PEGJ800101MDFRRN09' } } },
      };
    case 'curp_registry':
      return {
        type: 'curp_registry',
        id: sessionId,
        vendorData,
        endUserId: null,
        version: '1.0.0',
        data: { attemptId, name: 'JUANA', status: 'RCN', code: 200, details: { statusCurp: 'RCN', curp: 'PEGJ800101MDFRRN09' } },
      };
    case 'watchlist':
      return {
        checkType: 'initial_result',
        attemptId,
        sessionId,
        vendorData,
        endUserId: null,
        matchStatus: 'no_match',
        searchTerm: { name: 'JUANA PEREZ GARCIA' },
        totalHits: 0,
        hits: [],
      };
  }
}
