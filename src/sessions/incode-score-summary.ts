/** A fetched Incode score at a glance: the overall status Incode says to rely on, and each module's. */
export interface IncodeScoreSummary {
  /** `overall.status`: OK, WARN or FAIL (null when the answer has none). */
  status: string | null;
  /** Each module present with a status (`governmentValidation`, `idValidation`, `liveness`, ...). */
  modules: Record<string, string>;
}

const statusOf = (value: unknown): string | undefined => {
  const overall = (value as { overall?: { status?: unknown } } | null)?.overall;
  if (typeof overall?.status === 'string') return overall.status;
  const status = (value as { status?: unknown } | null)?.status;
  return typeof status === 'string' ? status : undefined;
};

/** From the score answer as stored (any shape: modules without a status are left out). */
export function incodeScoreSummary(answer: unknown): IncodeScoreSummary {
  const modules: Record<string, string> = {};
  if (typeof answer === 'object' && answer !== null && !Array.isArray(answer)) {
    for (const [name, value] of Object.entries(answer)) {
      if (name === 'overall' || typeof value !== 'object' || value === null || Array.isArray(value)) continue;
      const status = statusOf(value);
      if (status !== undefined) modules[name] = status;
    }
  }
  return { status: statusOf(answer) ?? null, modules };
}
