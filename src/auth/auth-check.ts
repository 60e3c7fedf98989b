/** The verdict of one authentication method; `reason` is for the log, never the response. */
export type AuthCheck = { ok: true } | { ok: false; reason: string };

export const passed: AuthCheck = { ok: true };
export const failed = (reason: string): AuthCheck => ({ ok: false, reason });
