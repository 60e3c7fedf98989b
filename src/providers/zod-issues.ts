import type { z } from 'zod';
import type { PayloadIssue } from './provider.js';

/** zod issues as `{path: "data.code", message}`; messages name types, never echo input values. */
export function toPayloadIssues(error: z.ZodError): PayloadIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}
