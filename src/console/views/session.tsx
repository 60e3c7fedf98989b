import type { PayloadView } from '../../access/payload-access.js';
import type { SessionView } from '../../sessions/session-view.js';
import type { StoredEvent } from '../../store/event-store.js';
import { Layout, time, type PageContext, Table } from './layout.js';

/** Where one event stands at one sink. */
export type SinkState = 'delivered' | 'pending' | 'parked' | 'held' | 'notQueued';

export interface TimelineEvent {
  event: StoredEvent;
  /** Per configured forwarding sink. */
  sinks: { sink: string; state: SinkState }[];
}

/** The derived states of a session, as a definition list. */
export function StateList({ ctx, view }: { ctx: PageContext; view: SessionView }) {
  const { m } = ctx;
  const score = view.state.incodeScore;
  const rows: [string, string | null][] = [
    [m.veriffRegistry, view.state.veriff],
    [m.veriffDecision, view.state.veriffDecision],
    [m.incodeScraping, view.state.incode],
    [
      m.incodeScore,
      score === null
        ? null
        : [score.status ?? m.none, ...Object.entries(score.modules).map(([name, status]) => `${name}: ${status}`)].join(' · '),
    ],
  ];
  return (
    <dl class="states">
      {rows
        .filter(([, value]) => value !== null)
        .map(([label, value]) => (
          <>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </>
        ))}
    </dl>
  );
}

function Payload({ ctx, event, payloads }: { ctx: PageContext; event: StoredEvent; payloads: PayloadView }) {
  const { m } = ctx;
  if (event.erasedAt !== null) return <span class="tag erased">{m.payloadErased(time(event.erasedAt))}</span>;
  if (event.blocked) return <span class="tag blocked">{m.payloadBlocked}</span>;
  if (payloads === 'withheld') {
    return (
      <span class="tag withheld" title={m.payloadWithheldHelp}>
        {m.payloadWithheld}
      </span>
    );
  }
  return (
    <details>
      <summary>{m.showPayload}</summary>
      <pre class="payload">{pretty(event.rawBody)}</pre>
    </details>
  );
}

/** The stored bytes indented for reading; as they are when they are not JSON. Shown as text, never as markup. */
function pretty(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}

export function SessionPage(props: {
  ctx: PageContext;
  view: SessionView;
  timeline: TimelineEvent[];
  payloads: PayloadView;
  sinkNames: string[];
}) {
  const { ctx, view, timeline, payloads, sinkNames } = props;
  const { m } = ctx;
  const followUps = view.queued.filter((q) => !sinkNames.includes(q.sink));
  return (
    <Layout ctx={ctx} title={m.sessionTitle(view.sessionId)}>
      <h1>{m.sessionTitle(view.sessionId)}</h1>
      <section aria-labelledby="states" class="card">
        <h2 id="states">{m.states}</h2>
        <StateList ctx={ctx} view={view} />
        {view.references.length > 0 && (
          <p>
            {m.references}: {view.references.join(', ')}
          </p>
        )}
      </section>
      <section aria-labelledby="timeline">
        <h2 id="timeline">{m.timeline}</h2>
        <p class="help">{m.timelineHelp}</p>
        <table>
          <thead>
            <tr>
              <th scope="col">{m.vendorTime}</th>
              <th scope="col">{m.vendor}</th>
              <th scope="col">{m.kind}</th>
              <th scope="col">{m.status}</th>
              <th scope="col">{m.received}</th>
              <th scope="col">{m.deliveries}</th>
              {sinkNames.length > 0 && <th scope="col">{m.atSinks}</th>}
              <th scope="col">{m.payload}</th>
            </tr>
          </thead>
          <tbody>
            {timeline.map(({ event, sinks }) => (
              <tr id={`event-${event.id}`}>
                <td>{time(event.vendorTime)}</td>
                <td>{event.provider}</td>
                <td>{event.type}</td>
                <td>{event.status ?? m.none}</td>
                <td>{time(event.receivedAt)}</td>
                <td>{event.deliveries}</td>
                {sinkNames.length > 0 && (
                  <td>
                    <ul class="plain">
                      {sinks.map((s) => (
                        <li>
                          {s.sink}: <span class={`tag ${s.state}`}>{m[s.state]}</span>
                        </li>
                      ))}
                    </ul>
                  </td>
                )}
                <td>
                  <Payload ctx={ctx} event={event} payloads={payloads} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {view.next !== null && <p class="help">{m.moreEvents}</p>}
      </section>
      <section aria-labelledby="followups">
        <h2 id="followups">{m.followUps}</h2>
        {followUps.length === 0 ? (
          <p>{m.noFollowUps}</p>
        ) : (
          <Table head={[m.sink, m.kind, m.status, m.attempts, m.lastError]}>
            {followUps.map((q) => (
              <tr>
                <td>{q.sink}</td>
                <td>{q.type}</td>
                <td>{m[q.state]}</td>
                <td>{q.attempts}</td>
                <td>{q.lastError ?? m.none}</td>
              </tr>
            ))}
          </Table>
        )}
      </section>
    </Layout>
  );
}
