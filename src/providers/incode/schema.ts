import { z } from 'zod';

const status = z.enum(['IN_PROGRESS', 'FINISHED']);

/**
 * Incode INE scraping notification (seeds/incode-ine-scraping-webhook.md). Incode's other
 * webhooks spell the fields in camelCase, so both spellings are accepted; extra fields are kept.
 */
export const ineScrapingSchema = z
  .looseObject({
    InterviewId: z.string().min(1).optional(),
    interviewId: z.string().min(1).optional(),
    ScrapingStatus: status.optional(),
    scrapingStatus: status.optional(),
    externalId: z.string().nullish(),
  })
  .check((ctx) => {
    if (ctx.value.InterviewId === undefined && ctx.value.interviewId === undefined) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: ['InterviewId'],
        message: 'Required: a non-empty string (InterviewId or interviewId)',
      });
    }
    if (ctx.value.ScrapingStatus === undefined && ctx.value.scrapingStatus === undefined) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: ['ScrapingStatus'],
        message: 'Required: IN_PROGRESS or FINISHED (ScrapingStatus or scrapingStatus)',
      });
    }
  });
