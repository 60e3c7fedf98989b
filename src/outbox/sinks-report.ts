import type { Outbox } from '../store/event-store.js';

export interface SinkReport {
  name: string;
  /** What the configuration points it at, or null for a queue left by an earlier configuration. */
  target: string | null;
  delivered: number;
  failures: number;
  pending: number;
  parked: number;
  /** Items of blocked subjects, not sent until the block is lifted. */
  held: number;
  oldestPendingAgeSeconds: number | null;
  lastError: string | null;
  lastErrorAt: string | null;
}

/** Every configured sink, and every sink the outbox still holds items for, with its figures. */
export async function sinksReport(outbox: Outbox, configured: { name: string; describe: string }[], now: number): Promise<SinkReport[]> {
  const stats = new Map((await outbox.stats()).map((s) => [s.sink, s]));
  const names = [...new Set([...configured.map((t) => t.name), ...stats.keys()])].sort();
  return names.map((name) => {
    const s = stats.get(name);
    return {
      name,
      target: configured.find((t) => t.name === name)?.describe ?? null,
      delivered: s?.delivered ?? 0,
      failures: s?.failures ?? 0,
      pending: s?.pending ?? 0,
      parked: s?.parked ?? 0,
      held: s?.held ?? 0,
      oldestPendingAgeSeconds: s?.oldestPendingAt == null ? null : Math.max(0, Math.round((now - s.oldestPendingAt) / 1000)),
      lastError: s?.lastError ?? null,
      lastErrorAt: s?.lastErrorAt == null ? null : new Date(s.lastErrorAt).toISOString(),
    };
  });
}
