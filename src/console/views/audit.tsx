import type { AuditRecord } from '../../store/event-store.js';
import { Field, Layout, time, type PageContext } from './layout.js';

export function AuditPage(props: { ctx: PageContext; records: AuditRecord[]; actor: string; subject: string; next: string | null }) {
  const { ctx, records, actor, subject, next } = props;
  const { m } = ctx;
  const older = new URLSearchParams({ ...(actor ? { actor } : {}), ...(subject ? { subject } : {}), ...(next ? { after: next } : {}) });
  return (
    <Layout ctx={ctx} title={m.audit}>
      <h1>{m.audit}</h1>
      <form method="get" action="/console/audit" class="card row">
        <Field label={m.actor} name="actor" value={actor} />
        <Field label={m.subject} name="subject" value={subject} />
        <p>
          <button type="submit">{m.filter}</button>
        </p>
      </form>
      {records.length === 0 ? (
        <p>{m.noRecords}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{m.at}</th>
              <th scope="col">{m.actor}</th>
              <th scope="col">{m.role}</th>
              <th scope="col">{m.action}</th>
              <th scope="col">{m.subject}</th>
              <th scope="col">{m.reason}</th>
              <th scope="col">{m.outcome}</th>
            </tr>
          </thead>
          <tbody>
            {records.map((r) => (
              <tr>
                <td>{time(r.at)}</td>
                <td>{r.actor}</td>
                <td>{r.role ?? m.none}</td>
                <td>{r.action}</td>
                <td>{r.subject ?? m.none}</td>
                <td>{r.reason ?? m.none}</td>
                <td>{r.outcome}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next !== null && (
        <p>
          <a href={`/console/audit?${older.toString()}`}>{m.older}</a>
        </p>
      )}
    </Layout>
  );
}
