import type { ComponentChildren } from 'preact';
import type { Principal } from '../../access/roles.js';
import { atLeast } from '../../access/roles.js';
import { CSRF_FIELD } from '../console-auth.js';
import type { Messages } from '../messages.js';

/** What every page knows: the words of its language, who is signed in, the form token, where it is. */
export interface PageContext {
  m: Messages;
  principal: Principal | undefined;
  csrf: string;
  /** The page's path and query, for the language switch. */
  url: string;
}

const NAV = [
  ['search', '/console/', 'viewer'],
  ['quarantine', '/console/quarantine', 'viewer'],
  ['sinks', '/console/sinks', 'viewer'],
  ['activity', '/console/activity', 'viewer'],
  ['subject', '/console/subject', 'admin'],
  ['audit', '/console/audit', 'admin'],
] as const;

/** A link to the same page in another language. */
function switchTo(url: string, lang: string): string {
  const parsed = new URL(url, 'http://console.invalid');
  parsed.searchParams.set('lang', lang);
  return `${parsed.pathname}${parsed.search}`;
}

/** Every page: a skip link, the sections the role may open, who is signed in, sign-out, the language switch. */
export function Layout({ ctx, title, children }: { ctx: PageContext; title: string; children: ComponentChildren }) {
  const { m, principal } = ctx;
  return (
    <html lang={m.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · ${m.product}`}</title>
        <link rel="stylesheet" href="/console/assets/console.css" />
        <link rel="icon" href="/favicon.ico" type="image/svg+xml" />
      </head>
      <body>
        <a class="skip" href="#main">
          {m.skip}
        </a>
        <header class="top">
          <p class="brand">{m.product}</p>
          {principal && (
            <nav aria-label={m.nav}>
              <ul>
                {NAV.filter(([, , role]) => atLeast(principal.role, role)).map(([key, href]) => (
                  <li>
                    <a href={href}>{m[key]}</a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          <div class="who">
            {principal && <span>{m.signedInAs(principal.actor, principal.role)}</span>}
            {principal && principal.via !== 'proxy' && (
              <form method="post" action="/console/sign-out" class="inline">
                <CsrfField ctx={ctx} />
                <button type="submit">{m.signOut}</button>
              </form>
            )}
            <span class="langs" aria-label={m.language}>
              <a href={switchTo(ctx.url, 'en')} lang="en" aria-current={m.lang === 'en' ? 'true' : undefined}>
                English
              </a>{' '}
              <a href={switchTo(ctx.url, 'es-MX')} lang="es-MX" aria-current={m.lang === 'es-MX' ? 'true' : undefined}>
                Español
              </a>
            </span>
          </div>
        </header>
        <main id="main">{children}</main>
      </body>
    </html>
  );
}

export const CsrfField = ({ ctx }: { ctx: PageContext }) => <input type="hidden" name={CSRF_FIELD} value={ctx.csrf} />;

/** A labelled field: the label names it for screen readers and tests. */
export function Field(props: {
  label: string;
  name: string;
  type?: string;
  value?: string | undefined;
  required?: boolean;
  help?: string;
  autocomplete?: string;
}) {
  const id = `f-${props.name}`;
  return (
    <p class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        required={props.required}
        autocomplete={props.autocomplete}
        aria-describedby={props.help ? `${id}-help` : undefined}
      />
      {props.help && (
        <small id={`${id}-help`} class="help">
          {props.help}
        </small>
      )}
    </p>
  );
}

/** A labelled choice among fixed options. */
export function Select(props: { label: string; name: string; selected: string; options: { value: string; label: string }[] }) {
  const id = `f-${props.name}`;
  return (
    <p class="field">
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name}>
        {props.options.map((o) => (
          <option value={o.value} selected={o.value === props.selected}>
            {o.label}
          </option>
        ))}
      </select>
    </p>
  );
}

/** A table with a header row of column headings (scope col); its rows are the children. */
export const Table = ({ head, children }: { head: readonly string[]; children: ComponentChildren }) => (
  <table>
    <thead>
      <tr>
        {head.map((h) => (
          <th scope="col">{h}</th>
        ))}
      </tr>
    </thead>
    <tbody>{children}</tbody>
  </table>
);

/** A message at the top of a page: what an action did, or why it did nothing. */
export const Notice = ({ kind, children }: { kind: 'ok' | 'error'; children: ComponentChildren }) => (
  <p class={`notice ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
    {children}
  </p>
);

/** A time as the store keeps it (UTC), shortened for a table. */
export const time = (iso: string | null) => (iso === null ? '—' : iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'));
