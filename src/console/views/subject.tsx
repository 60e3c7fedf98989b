import type { ComponentChildren } from 'preact';
import type { BlockInfo } from '../../store/event-store.js';
import { CsrfField, Field, Layout, Notice, Select, time, type PageContext } from './layout.js';

export interface SubjectSummary {
  kind: 'reference' | 'session';
  id: string;
  events: number;
  erased: number;
  blocked: number;
  blocks: BlockInfo[];
}

function ActionForm(props: {
  ctx: PageContext;
  summary: SubjectSummary;
  action: string;
  label: string;
  help: string;
  extra?: ComponentChildren;
}) {
  const { ctx, summary, action, label, help, extra } = props;
  const { m } = ctx;
  return (
    <form method="post" action={`/console/subject/${action}`} class="card">
      <h2>{label}</h2>
      <p class="help">{help}</p>
      <CsrfField ctx={ctx} />
      <input type="hidden" name="kind" value={summary.kind} />
      <input type="hidden" name="id" value={summary.id} />
      {extra}
      <Field label={m.reason} name={`reason-${action}`} required help={m.reasonHelp} />
      <button type="submit" class={action === 'erase' ? 'danger' : undefined}>
        {label}
      </button>
    </form>
  );
}

export function SubjectPage(props: {
  ctx: PageContext;
  kind: 'reference' | 'session';
  id: string;
  summary: SubjectSummary | undefined;
  notice?: { kind: 'ok' | 'error'; text: string } | undefined;
}) {
  const { ctx, kind, id, summary, notice } = props;
  const { m } = ctx;
  return (
    <Layout ctx={ctx} title={m.subject}>
      <h1>{m.subject}</h1>
      {notice && <Notice kind={notice.kind}>{notice.text}</Notice>}
      <form method="get" action="/console/subject" class="card row">
        <Select
          label={m.subjectKind}
          name="kind"
          selected={kind}
          options={[
            { value: 'reference', label: m.reference },
            { value: 'session', label: m.sessionId },
          ]}
        />
        <Field label={m.subjectId} name="id" value={id} required help={m.subjectHelp} />
        <p>
          <button type="submit">{m.open}</button>
        </p>
      </form>
      {summary && (
        <>
          <section aria-labelledby="summary" class="card">
            <h2 id="summary">{`${summary.kind === 'reference' ? m.reference : m.sessionId} ${summary.id}`}</h2>
            <p>{m.subjectSummary(summary.events, summary.erased, summary.blocked)}</p>
            {summary.blocks.length === 0 ? (
              <p>{m.notBlocked}</p>
            ) : (
              <ul>
                {[...new Map(summary.blocks.map((b) => [b.origin, b])).values()].map((b) => (
                  <li>{m.blockedUntil(time(b.until), b.reason)}</li>
                ))}
              </ul>
            )}
          </section>
          <ActionForm ctx={ctx} summary={summary} action="export" label={m.export} help={m.exportHelp} />
          <ActionForm
            ctx={ctx}
            summary={summary}
            action="block"
            label={m.block}
            help={m.blockHelp}
            extra={<Field label={m.untilDate} name="until" type="date" required />}
          />
          <ActionForm ctx={ctx} summary={summary} action="unblock" label={m.unblock} help={m.unblockHelp} />
          <ActionForm
            ctx={ctx}
            summary={summary}
            action="erase"
            label={m.erase}
            help={m.eraseHelp}
            extra={<Field label={m.confirmSubject(summary.kind)} name="confirm" required autocomplete="off" />}
          />
        </>
      )}
    </Layout>
  );
}
