import type { AuditRecord } from '../../store/event-store.js';
import { Field, Layout, time, type PageContext, Table } from './layout.js';

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
        <Table head={[m.at, m.actor, m.role, m.action, m.subject, m.reason, m.outcome]}>
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
        </Table>
      )}
      {next !== null && (
        <p>
          <a href={`/console/audit?${older.toString()}`}>{m.older}</a>
        </p>
      )}
    </Layout>
  );
}
