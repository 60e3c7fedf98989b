import type { SessionView } from '../../sessions/session-view.js';
import { Layout, time, type PageContext, Table } from './layout.js';
import { StateList } from './session.js';

/** A session as a search finds it: its vendors, states, last activity. */
export interface SessionHit {
  view: SessionView;
  vendors: string[];
  lastActivity: string;
  events: number;
}

export function SearchPage({ ctx, query, hits }: { ctx: PageContext; query: string; hits: SessionHit[] | undefined }) {
  const { m } = ctx;
  return (
    <Layout ctx={ctx} title={m.search}>
      <h1>{m.search}</h1>
      <form method="get" action="/console/" role="search" class="card">
        <p class="field">
          <label for="f-q">{m.search}</label>
          <input id="f-q" name="q" type="search" value={query} required aria-describedby="f-q-help" />
          <small id="f-q-help" class="help">
            {m.searchHelp}
          </small>
        </p>
        <p>
          <button type="submit">{m.search}</button>
        </p>
      </form>
      {hits !== undefined && hits.length === 0 && <p role="status">{m.noMatch(query)}</p>}
      {hits !== undefined && hits.length > 0 && (
        <section aria-labelledby="results">
          <h2 id="results">{m.sessionsFound(hits.length)}</h2>
          <Table head={[m.session, m.vendors, m.states, m.lastActivity, m.events]}>
            {hits.map((hit) => (
              <tr>
                <td>
                  <a href={`/console/session/${encodeURIComponent(hit.view.sessionId)}`}>{hit.view.sessionId}</a>
                </td>
                <td>{hit.vendors.join(', ')}</td>
                <td>
                  <StateList ctx={ctx} view={hit.view} />
                </td>
                <td>{time(hit.lastActivity)}</td>
                <td>{hit.events}</td>
              </tr>
            ))}
          </Table>
        </section>
      )}
    </Layout>
  );
}
