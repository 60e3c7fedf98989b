import type { ActivityOutcome } from '../../store/event-store.js';
import { Layout, Select, Table, type PageContext } from './layout.js';

export const OUTCOMES: ActivityOutcome[] = ['stored', 'duplicate', 'quarantined', 'refused'];

/** One bar: a period's label and its counts by outcome. */
export interface Bar {
  label: string;
  counts: Record<ActivityOutcome, number>;
}

const WIDTH = 720;
const HEIGHT = 180;
const AXIS = 28;

/** Stacked bars by outcome, drawn on the server as SVG (no script; colours from the stylesheet). */
function Chart({ ctx, bars, title, id }: { ctx: PageContext; bars: Bar[]; title: string; id: string }) {
  const { m } = ctx;
  const total = (b: Bar) => OUTCOMES.reduce((n, o) => n + b.counts[o], 0);
  const max = Math.max(1, ...bars.map(total));
  const step = (WIDTH - AXIS) / bars.length;
  const scale = (HEIGHT - 20) / max;
  const sum = bars.reduce((n, b) => n + total(b), 0);
  return (
    <figure class="chart" aria-labelledby={`${id}-title`}>
      <figcaption id={`${id}-title`}>
        {title} · {m.total}: {sum}
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT + 16}`} role="img" aria-label={`${title}: ${m.total} ${sum}`}>
        <text x="0" y="12" class="axis">
          {max}
        </text>
        <line x1={AXIS} y1={HEIGHT} x2={WIDTH} y2={HEIGHT} class="axis-line" />
        {bars.map((bar, i) => {
          let y = HEIGHT;
          return (
            <g>
              <title>{`${bar.label}: ${OUTCOMES.map((o) => `${m[o]} ${bar.counts[o]}`).join(', ')}`}</title>
              {OUTCOMES.map((o) => {
                const h = bar.counts[o] * scale;
                y -= h;
                return h > 0 ? <rect x={AXIS + i * step + 1} y={y} width={Math.max(1, step - 2)} height={h} class={`o-${o}`} /> : null;
              })}
              {i % Math.ceil(bars.length / 8) === 0 && (
                <text x={AXIS + i * step} y={HEIGHT + 14} class="axis">
                  {bar.label.slice(-5)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <ul class="legend">
        {OUTCOMES.map((o) => (
          <li>
            <svg viewBox="0 0 10 10" class="swatch" aria-hidden="true">
              <rect width="10" height="10" class={`o-${o}`} />
            </svg>{' '}
            {m[o]}
          </li>
        ))}
      </ul>
    </figure>
  );
}

/** Counts by outcome, a row per period or vendor. */
function OutcomeTable({ ctx, first, rows }: { ctx: PageContext; first: string; rows: Bar[] }) {
  const { m } = ctx;
  return (
    <Table head={[first, ...OUTCOMES.map((o) => m[o])]}>
      {rows.map((row) => (
        <tr>
          <th scope="row">{row.label}</th>
          {OUTCOMES.map((o) => (
            <td>{row.counts[o]}</td>
          ))}
        </tr>
      ))}
    </Table>
  );
}

function Figures({ ctx, bars, period }: { ctx: PageContext; bars: Bar[]; period: string }) {
  const { m } = ctx;
  return (
    <details>
      <summary>{m.figures}</summary>
      <OutcomeTable ctx={ctx} first={period} rows={bars} />
    </details>
  );
}

export function ActivityPage(props: {
  ctx: PageContext;
  vendor: string;
  vendors: string[];
  hours: Bar[];
  days: Bar[];
  /** Totals over 30 days, by vendor and outcome. */
  totals: { vendor: string; counts: Record<ActivityOutcome, number> }[];
}) {
  const { ctx, vendor, vendors, hours, days, totals } = props;
  const { m } = ctx;
  return (
    <Layout ctx={ctx} title={m.activity}>
      <h1>{m.activity}</h1>
      <form method="get" action="/console/activity" class="card row">
        <Select
          label={m.vendor}
          name="vendor"
          selected={vendor}
          options={[{ value: '', label: m.allVendors }, ...vendors.map((v) => ({ value: v, label: v }))]}
        />
        <p>
          <button type="submit">{m.show}</button>
        </p>
      </form>
      <p class="help">{m.chartHelp}</p>
      <section aria-labelledby="hours">
        <h2 id="hours">{m.byHour}</h2>
        <Chart ctx={ctx} bars={hours} title={m.byHour} id="c-hours" />
        <Figures ctx={ctx} bars={hours} period={m.hourStarting} />
      </section>
      <section aria-labelledby="days">
        <h2 id="days">{m.byDay}</h2>
        <Chart ctx={ctx} bars={days} title={m.byDay} id="c-days" />
        <Figures ctx={ctx} bars={days} period={m.day} />
      </section>
      <section aria-labelledby="totals">
        <h2 id="totals">{m.totals30}</h2>
        <OutcomeTable ctx={ctx} first={m.vendor} rows={totals.map((t) => ({ label: t.vendor, counts: t.counts }))} />
      </section>
    </Layout>
  );
}
