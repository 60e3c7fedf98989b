import { Layout, type PageContext } from './layout.js';

export function ErrorPage({ ctx, title, lines }: { ctx: PageContext; title: string; lines: string[] }) {
  const { m } = ctx;
  return (
    <Layout ctx={ctx} title={title}>
      <h1>{title}</h1>
      <div role="alert" class="notice error">
        {lines.map((line) => (
          <p>{line}</p>
        ))}
      </div>
      <p>
        <a href="/">{m.back}</a>
      </p>
    </Layout>
  );
}
