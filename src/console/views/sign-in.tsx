import { CsrfField, Field, Layout, Notice, type PageContext } from './layout.js';

export function SignInPage({ ctx, failed, next }: { ctx: PageContext; failed: boolean; next: string }) {
  const { m } = ctx;
  return (
    <Layout ctx={ctx} title={m.signIn}>
      <h1>{m.signIn}</h1>
      {failed && <Notice kind="error">{m.signInFailed}</Notice>}
      <form method="post" action="/console/sign-in" class="card narrow">
        <CsrfField ctx={ctx} />
        <input type="hidden" name="next" value={next} />
        <Field label={m.accessKey} name="key" type="password" required autocomplete="current-password" help={m.signInHelp} />
        <p>
          <button type="submit">{m.signIn}</button>
        </p>
      </form>
    </Layout>
  );
}
