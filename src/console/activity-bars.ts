import { HOUR_MS } from '../activity/activity-counts.js';
import type { ActivityCount, ActivityOutcome } from '../store/event-store.js';
import type { Bar } from './views/activity.js';

const DAY_HOURS = 24;
const zero = (): Record<ActivityOutcome, number> => ({ stored: 0, duplicate: 0, quarantined: 0, refused: 0 });
const hourLabel = (hour: number) => `${new Date(hour * HOUR_MS).toISOString().slice(0, 13)}:00`;
const dayLabel = (day: number) => new Date(day * DAY_HOURS * HOUR_MS).toISOString().slice(0, 10);

/**
 * The Activity page's figures from the stored counts, by the service's clock (never the browser's):
 * the last 24 hours hour by hour and the last 30 days day by day (UTC), for one vendor or all, and
 * the 30 days' totals by vendor.
 */
export function activityBars(counts: ActivityCount[], now: number, vendor: string) {
  const thisHour = Math.floor(now / HOUR_MS);
  const today = Math.floor(thisHour / DAY_HOURS);
  const hours: Bar[] = Array.from({ length: 24 }, (_, i) => ({ label: hourLabel(thisHour - 23 + i), counts: zero() }));
  const days: Bar[] = Array.from({ length: 30 }, (_, i) => ({ label: dayLabel(today - 29 + i), counts: zero() }));
  const totals = new Map<string, Record<ActivityOutcome, number>>();
  for (const c of counts) {
    const day = Math.floor(c.hour / DAY_HOURS);
    if (day <= today - 30 || c.hour > thisHour) continue;
    const total = totals.get(c.provider) ?? zero();
    total[c.outcome] += c.count;
    totals.set(c.provider, total);
    if (vendor !== '' && c.provider !== vendor) continue;
    days[day - (today - 29)]!.counts[c.outcome] += c.count;
    if (c.hour > thisHour - 24) hours[c.hour - (thisHour - 23)]!.counts[c.outcome] += c.count;
  }
  return {
    hours,
    days,
    totals: [...totals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([v, counts]) => ({ vendor: v, counts })),
  };
}
