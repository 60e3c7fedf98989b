import type { QuarantineItem } from '../../store/event-store.js';
import { Layout, time, type PageContext, Table } from './layout.js';

export function QuarantinePage(props: { ctx: PageContext; items: QuarantineItem[]; next: string | null; showBodies: boolean }) {
  const { ctx, items, next, showBodies } = props;
  const { m } = ctx;
  return (
    <Layout ctx={ctx} title={m.quarantine}>
      <h1>{m.quarantine}</h1>
      {items.length === 0 ? (
        <p>{m.nothingQuarantined}</p>
      ) : (
        <Table head={[m.receivedAt, m.vendor, m.reason, m.issues, m.deliveries, m.rawBody]}>
          {items.map((item) => (
            <tr>
              <td>{time(item.receivedAt)}</td>
              <td>{item.provider}</td>
              <td>{item.reason}</td>
              <td>
                <ul class="plain">
                  {item.issues.map((issue) => (
                    <li>
                      <code>{issue.path || '(root)'}</code>: {issue.message}
                    </li>
                  ))}
                </ul>
              </td>
              <td>{item.deliveries}</td>
              <td>
                {item.erasedAt !== null ? (
                  <span class="tag erased">{m.payloadErased(time(item.erasedAt))}</span>
                ) : showBodies ? (
                  <details>
                    <summary>{m.showPayload}</summary>
                    {item.rawBodyEncoding === 'base64' && <p class="help">{m.base64}</p>}
                    <pre class="payload">{item.rawBody}</pre>
                  </details>
                ) : (
                  <span class="tag withheld">{m.payloadWithheld}</span>
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
      {next !== null && (
        <p>
          <a href={`/console/quarantine?after=${encodeURIComponent(next)}`}>{m.next}</a>
        </p>
      )}
    </Layout>
  );
}
