import type { StoredEvent } from '../store/event-store.js';
import type { CliContext } from './cli-context.js';
import { renderTable, shortTime } from './table.js';

const HEADERS = ['seq', 'received', 'provider', 'type', 'session', 'reference', 'status', 'deliveries', 'integration'];
const cells = (e: StoredEvent) => [
  e.seq,
  shortTime(e.receivedAt),
  e.provider,
  e.type,
  e.sessionId ?? '-',
  e.reference ?? '-',
  e.status ?? '-',
  String(e.deliveries),
  e.integration ?? '-',
];

/** Prints events as a table (header once) or as JSON lines. */
export function eventPrinter(ctx: CliContext, json: boolean): (events: StoredEvent[]) => void {
  let headerShown = false;
  return (events) => {
    if (json) {
      for (const e of events) ctx.out(JSON.stringify(e));
      return;
    }
    if (events.length === 0) return;
    const lines = renderTable(HEADERS, events.map(cells));
    // Followed output keeps the first header's widths only roughly; readable enough for a terminal.
    for (const l of headerShown ? lines.slice(1) : lines) ctx.out(l);
    headerShown = true;
  };
}
