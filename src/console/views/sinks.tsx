import type { SinkReport } from '../../outbox/sinks-report.js';
import type { ParkedItem } from '../../store/event-store.js';
import { CsrfField, Field, Layout, Notice, time, type PageContext, Table } from './layout.js';

export function SinksPage(props: {
  ctx: PageContext;
  sinks: SinkReport[];
  parked: ParkedItem[];
  /** The forwarding sinks a replay may target. */
  replayable: string[];
  canAct: boolean;
  notice?: string | undefined;
}) {
  const { ctx, sinks, parked, replayable, canAct, notice } = props;
  const { m } = ctx;
  return (
    <Layout ctx={ctx} title={m.sinks}>
      <h1>{m.sinks}</h1>
      {notice !== undefined && <Notice kind="ok">{notice}</Notice>}
      {sinks.length === 0 ? (
        <p>{m.noSinks}</p>
      ) : (
        <Table
          head={[m.sink, m.columns.delivered, m.columns.pending, m.columns.parked, m.columns.held, m.oldestPending, m.lastError, m.target]}
        >
          {sinks.map((s) => (
            <tr>
              <th scope="row">{s.name}</th>
              <td>{s.delivered}</td>
              <td>{s.pending}</td>
              <td>{s.parked}</td>
              <td>{s.held}</td>
              <td>{s.oldestPendingAgeSeconds === null ? m.none : `${s.oldestPendingAgeSeconds} s`}</td>
              <td>{s.lastError === null ? m.none : `${s.lastError} (${time(s.lastErrorAt)})`}</td>
              <td>{s.target ?? m.none}</td>
            </tr>
          ))}
        </Table>
      )}
      {canAct &&
        sinks
          .filter((s) => s.parked > 0)
          .map((s) => (
            <form method="post" action="/console/sinks/redrive" class="card">
              <CsrfField ctx={ctx} />
              <input type="hidden" name="sink" value={s.name} />
              <p>{m.redriveHelp(s.parked, s.name)}</p>
              <button type="submit">{m.redrive}</button>
            </form>
          ))}
      {canAct &&
        replayable.map((sink) => (
          <form method="post" action="/console/sinks/replay" class="card">
            <h2>{`${m.replay}: ${sink}`}</h2>
            <p class="help">{m.replayHelp}</p>
            <CsrfField ctx={ctx} />
            <input type="hidden" name="sink" value={sink} />
            <div class="row">
              <Field label={m.since} name={`since-${sink}`} type="datetime-local" />
              <Field label={m.until} name={`until-${sink}`} type="datetime-local" />
              <Field label={m.eventKind} name={`type-${sink}`} />
            </div>
            <button type="submit">{m.replay}</button>
          </form>
        ))}
      <section aria-labelledby="parked">
        <h2 id="parked">{m.parkedItems}</h2>
        {parked.length === 0 ? (
          <p>{m.noParked}</p>
        ) : (
          <Table head={[m.sink, m.event, m.vendor, m.kind, m.session, m.attempts, m.lastError]}>
            {parked.map((p) => (
              <tr>
                <td>{p.sink}</td>
                <td>
                  <code>{p.eventId}</code>
                </td>
                <td>{p.provider}</td>
                <td>{p.type}</td>
                <td>{p.sessionId === null ? m.none : <a href={`/console/session/${encodeURIComponent(p.sessionId)}`}>{p.sessionId}</a>}</td>
                <td>{p.attempts}</td>
                <td>{p.lastError ?? m.none}</td>
              </tr>
            ))}
          </Table>
        )}
      </section>
    </Layout>
  );
}

/** The step between a button and the action: how many events it will send, and the confirming button. */
export function ConfirmPage(props: {
  ctx: PageContext;
  action: 'redrive' | 'replay';
  sink: string;
  count: number;
  /** The form's fields, sent again with the confirmation. */
  fields: Record<string, string>;
}) {
  const { ctx, action, sink, count, fields } = props;
  const { m } = ctx;
  const title = action === 'redrive' ? m.confirmRedrive : m.confirmReplay;
  return (
    <Layout ctx={ctx} title={title}>
      <h1>{title}</h1>
      <p class="card" role="status">
        {count === 0 ? m.nothingToSend : action === 'redrive' ? m.willRedrive(count, sink) : m.willReplay(count, sink)}
      </p>
      {count > 0 && (
        <form method="post" action={`/console/sinks/${action}`}>
          <CsrfField ctx={ctx} />
          {Object.entries(fields).map(([name, value]) => (
            <input type="hidden" name={name} value={value} />
          ))}
          <input type="hidden" name="confirm" value={String(count)} />
          <button type="submit">{action === 'redrive' ? m.redrive : m.replay}</button>
        </form>
      )}
      <p>
        <a href="/console/sinks">{m.cancel}</a>
      </p>
    </Layout>
  );
}
