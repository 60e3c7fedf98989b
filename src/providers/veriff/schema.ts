import { z } from 'zod';

const nonEmpty = z.string().min(1);

/**
 * Veriff `ine_registry` (seeds/veriff-ine-webhook.md). Open objects: Veriff adds fields without
 * notice, so unknown keys are kept. IDs are opaque strings (no UUID demand). `data.*` fields are
 * not starred in Veriff's table: each may be null or absent, but must have its type when present.
 */
export const ineRegistrySchema = z.looseObject({
  eventType: z.literal('ine_registry'),
  sessionId: nonEmpty,
  attemptId: nonEmpty,
  version: nonEmpty,
  time: z.iso.datetime({ offset: true }),
  vendorData: z.string().nullish(),
  endUserId: z.string().nullish(),
  data: z.looseObject({
    status: z.string().nullish(),
    code: z.number().int().nullish(),
    details: z
      .looseObject({
        active: z.boolean().nullish(),
        documentState: z.string().nullish(),
      })
      .nullish(),
  }),
});

/** Any other event type Veriff may start sending: only `eventType` is required (SPEC §4). */
export const otherEventSchema = z.looseObject({ eventType: z.string() });
