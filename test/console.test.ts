import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHmac } from '../src/auth/hmac.js';
import { sampleVeriff } from '../src/delivery/samples.js';
import { chromiumMissing, CHROMIUM, launchChromium, screenshot, watchPage } from './helpers/browser.js';
import { cli } from './helpers/cli.js';
import { FORWARD_SECRET, startForwardReceiver, type ForwardReceiver } from './helpers/forward-receiver.js';
import { tempDir } from './helpers/harness.js';
import { startProcess, type ServiceProcess } from './helpers/service-process.js';
import { waitFor } from './helpers/wait-for.js';

if (chromiumMissing)
  console.warn(`console browser tests SKIPPED: no Chromium at ${CHROMIUM} (apt-get install -y chromium; .ci/run does it)`);

const VERIFF_SECRET = 'console-test-veriff-secret';
const INCODE = { INCODE_HEADER_NAME: 'x-incode-key', INCODE_HEADER_SECRET: 'console-test-incode-secret' };
const ADMIN_TOKEN = 'console-test-admin-token-0123456789';
const README_SCREENSHOT = path.resolve(import.meta.dirname, '..', 'docs', 'console-session.png');
const REF = 'cust-console-1';
const PARKED_REF = 'cust-console-parked';
const SCRIPT = '<script>window.__pwned = 1</script>';

describe.skipIf(chromiumMissing)('the console in a real browser, against the built service (SQLite)', () => {
  let service: ServiceProcess;
  let receiver: ForwardReceiver;
  let browser: Browser;
  let env: Record<string, string>;
  const keys: Record<string, string> = {};
  const sessions = { veriff: randomUUID(), parked: randomUUID(), incode: randomUUID().replace(/-/g, '').slice(0, 24) };
  const cleanups: (() => unknown)[] = [];
  /** Deliveries sent, by what the chart should count them as. */
  const sent = { stored: 0, duplicate: 0, quarantined: 0, refused: 0 };

  const veriff = async (payload: unknown, signed = true) => {
    const body = JSON.stringify(payload);
    const res = await fetch(`${service.url}/webhooks/veriff`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-hmac-signature': signed ? signHmac(VERIFF_SECRET, body) : 'forged' },
    });
    return res.status;
  };
  const api = async (route: string, init: RequestInit = {}) =>
    fetch(`${service.adminUrl}${route}`, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...init.headers } });

  beforeAll(async () => {
    browser = await launchChromium();
    receiver = await startForwardReceiver();
    // The parked customer's events are refused by the company's end until the redrive.
    receiver.answerFor = (event) => (event.sessionId === sessions.parked ? 503 : undefined);
    const data = tempDir('ine-console-');
    cleanups.push(data.remove, () => receiver.stop());
    env = {
      DATA_DIR: data.dir,
      VERIFF_SHARED_SECRET: VERIFF_SECRET,
      ...INCODE,
      ADMIN_TOKEN,
      FORWARD_URL: receiver.url,
      FORWARD_SECRET,
      FORWARD_MAX_ATTEMPTS: '1',
      LOG_LEVEL: 'info',
    };
    service = await startProcess(env);
    for (const role of ['viewer', 'support', 'operator', 'admin']) {
      const added = cli({ ...env, PORT: '0' }, 'keys', 'add', `${role}-person`, '--role', role);
      expect(added.code).toBe(0);
      keys[role] = added.out.trim();
    }

    const registry = sampleVeriff('ine_registry', { sessionId: sessions.veriff, vendorData: REF });
    const decision = sampleVeriff('decision', { sessionId: sessions.veriff, vendorData: REF }) as {
      verification: { person: { firstName: string } };
    };
    decision.verification.person.firstName = SCRIPT;
    expect(await veriff(registry)).toBe(200);
    expect(await veriff(decision)).toBe(200);
    expect(await veriff(decision)).toBe(200); // a redelivery
    expect(await veriff(sampleVeriff('decision', { sessionId: sessions.parked, vendorData: PARKED_REF }))).toBe(200);
    expect(await veriff(registry, false)).toBe(401);
    const incode = await fetch(`${service.url}/webhooks/incode/ine-scraping`, {
      method: 'POST',
      body: JSON.stringify({ InterviewId: sessions.incode, externalId: REF, ScrapingStatus: 'FINISHED' }),
      headers: { 'content-type': 'application/json', [INCODE.INCODE_HEADER_NAME]: INCODE.INCODE_HEADER_SECRET },
    });
    expect(incode.status).toBe(200);
    const broken = await fetch(`${service.url}/webhooks/veriff`, {
      method: 'POST',
      body: '{"sessionId": ',
      headers: { 'content-type': 'application/json', 'x-hmac-signature': signHmac(VERIFF_SECRET, '{"sessionId": ') },
    });
    expect(broken.status).toBe(400);
    Object.assign(sent, { stored: 4, duplicate: 1, quarantined: 1, refused: 1 });
    // The parked customer's decision is parked at the http sink (one attempt allowed); the others are delivered.
    await waitFor('the parked item and 3 deliveries', async () => {
      const sinks = (await (await api('/sinks')).json()) as { sinks: { name: string; parked: number; delivered: number }[] };
      const http = sinks.sinks.find((s) => s.name === 'http');
      return http?.parked === 1 && http.delivered === 3;
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    for (const c of cleanups.splice(0)) await c();
  });

  /** A fresh browser context (its own cookies) signed in with `role`'s key, through the form. */
  async function signedIn(
    role: string,
    locale = 'en-US',
  ): Promise<{ context: BrowserContext; page: Page; watch: ReturnType<typeof watchPage> }> {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const watch = watchPage(page);
    await page.goto(`${service.adminUrl}/`);
    if (role === 'viewer') await screenshot(page, 'sign-in');
    await page.getByLabel('Access key').fill(keys[role]!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Search' }).waitFor();
    return { context, page, watch };
  }

  const openSession = async (page: Page) => {
    await page.getByLabel('Search', { exact: true }).fill(REF);
    await page.getByRole('button', { name: 'Search' }).click();
    await screenshot(page, 'search-results');
    await page.getByRole('link', { name: sessions.veriff }).click();
    await page.getByRole('heading', { level: 1, name: `Session ${sessions.veriff}` }).waitFor();
  };

  const auditRecords = async () =>
    (
      (await (await api('/audit?order=newest&limit=1000')).json()) as {
        records: { actor: string; action: string; subject: string; outcome: string }[];
      }
    ).records;

  const expectClean = (watch: ReturnType<typeof watchPage>) => {
    expect(watch.errors).toEqual([]);
    expect(watch.documents.length).toBeGreaterThan(0);
    for (const d of watch.documents) expect(d.csp, d.url).toBe("default-src 'self'");
  };

  it('a viewer signs in, searches, opens the session: metadata, states and sinks, the payload withheld; no admin pages', async () => {
    const { context, page, watch } = await signedIn('viewer');
    await screenshot(page, 'search-empty');
    await openSession(page);
    await expect(page.getByText('Payload withheld').first().isVisible()).resolves.toBe(true);
    expect(await page.getByText('Payload withheld').count()).toBe(2);
    expect(await page.getByText(SCRIPT).count()).toBe(0);
    expect(await page.getByRole('cell', { name: 'decision' }).count()).toBe(1);
    expect(await page.getByRole('cell', { name: 'ine_registry' }).count()).toBe(1);
    await expect(page.locator('dl.states').textContent()).resolves.toContain('approved');
    expect(await page.getByRole('link', { name: 'Subject' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Audit' }).count()).toBe(0);
    await screenshot(page, 'session-viewer');
    // No read was recorded for a viewer: nothing was shown.
    expect((await auditRecords()).filter((r) => r.actor === 'viewer-person' && r.action === 'read_payload')).toEqual([]);

    await page.getByRole('link', { name: 'Sinks' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sinks' }).waitFor();
    expect(await page.getByRole('button', { name: 'Redrive' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Replay' }).count()).toBe(0);
    const audit = await page.goto(`${service.adminUrl}/console/audit`);
    expect(audit?.status()).toBe(403);
    await page.getByText('Your role may not do this.').waitFor();
    // The browser logs the 403 it was just shown as an error: expected here, and only here.
    expect(watch.errors).toEqual([
      expect.stringContaining('/console/audit: Failed to load resource: the server responded with a status of 403'),
    ]);
    watch.errors.length = 0;
    expect((await auditRecords()).some((r) => r.actor === 'viewer-person' && r.action === 'refused' && r.outcome === 'forbidden')).toBe(
      true,
    );
    expectClean(watch);
    await context.close();
  });

  it('support sees the payload pretty-printed, a <script> in it shown as text, and the read is audited', async () => {
    const { context, page, watch } = await signedIn('support');
    await page.getByRole('heading', { level: 1, name: 'Search' }).waitFor();
    await openSession(page);
    expect(await page.getByText('Payload withheld').count()).toBe(0);
    const summaries = page.getByText('Show payload');
    expect(await summaries.count()).toBe(2);
    for (let i = 0; i < 2; i++) await summaries.nth(i).click();
    const shown = await page.locator('pre.payload').allTextContents();
    expect(shown.join('\n')).toContain(`"firstName": ${JSON.stringify(SCRIPT)}`);
    expect(shown.join('\n')).toContain(`"vendorData": "${REF}"`);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await screenshot(page, 'session-support');
    await page.screenshot({ path: README_SCREENSHOT, fullPage: true });
    const reads = (await auditRecords()).filter((r) => r.actor === 'support-person' && r.action === 'read_payload');
    expect(reads).toEqual([expect.objectContaining({ subject: sessions.veriff, outcome: 'ok' })]);

    await page.getByRole('link', { name: 'Quarantine' }).click();
    await page.getByRole('heading', { level: 1, name: 'Quarantine' }).waitFor();
    await page.getByText('Show payload').click();
    await expect(page.locator('pre.payload').textContent()).resolves.toBe('{"sessionId": ');
    await screenshot(page, 'quarantine');
    expectClean(watch);
    await context.close();
  });

  it('an operator redrives the parked item to the real HTTP sink, and a replay sends as many as its dry run counted', async () => {
    const { context, page, watch } = await signedIn('operator');
    await page.getByRole('link', { name: 'Sinks' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sinks' }).waitFor();
    await screenshot(page, 'sinks');
    receiver.answerFor = undefined;
    await page.getByRole('button', { name: 'Redrive' }).click();
    await page.getByText('This sends 1 parked event(s) to http again.').waitFor();
    await screenshot(page, 'sinks-confirm-redrive');
    await page.getByRole('button', { name: 'Redrive' }).click();
    await page.getByText('1 parked event(s) queued again for http.').waitFor();
    await waitFor('the redriven event at the sink', () => receiver.received.some((r) => r.sessionId === sessions.parked));

    const before = receiver.received.length;
    const dryRun = cli({ ...env, PORT: '0' }, 'replay', '--sink', 'http', '--dry-run');
    expect(dryRun.code).toBe(0);
    const counted = Number(/would replay (\d+) stored event/.exec(dryRun.out)?.[1]);
    expect(counted).toBe(4);
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.getByText(`This queues ${counted} stored event(s) for http again.`).waitFor();
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.getByText(`${counted} stored event(s) queued again for http.`).waitFor();
    await waitFor('the replayed events at the sink', () => receiver.received.length === before + counted);
    const replayed = receiver.received.slice(before).map((r) => r.seq);
    expect(replayed).toEqual([...replayed].sort((a, b) => a - b));
    const trail = await auditRecords();
    expect(trail.find((r) => r.action === 'replay')).toMatchObject({ actor: 'operator-person', subject: 'http', outcome: 'ok' });
    expect(trail.find((r) => r.action === 'redrive')).toMatchObject({ actor: 'operator-person', subject: 'http', outcome: 'ok' });
    expectClean(watch);
    await context.close();
  });

  it('the Activity chart counts what the service answered, by outcome', async () => {
    const { context, page, watch } = await signedIn('viewer');
    await page.getByRole('link', { name: 'Activity' }).click();
    await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    const total = sent.stored + sent.duplicate + sent.quarantined + sent.refused;
    await expect(page.locator('figcaption').first().textContent()).resolves.toContain(`Total: ${total}`);
    const veriffRow = page.getByRole('row', { name: /^veriff/ });
    await expect(veriffRow.textContent()).resolves.toBe(`veriff${sent.stored - 1}${sent.duplicate}${sent.quarantined}${sent.refused}`);
    await screenshot(page, 'activity');
    expectClean(watch);
    await context.close();
  });

  it('an admin erases a customer: the payload is gone from the page and the API; the audit page shows it', async () => {
    const { context, page, watch } = await signedIn('admin');
    await page.getByRole('link', { name: 'Subject' }).click();
    await page.getByRole('heading', { level: 1, name: 'Subject' }).waitFor();
    await page.getByLabel('Reference or session id').fill(REF);
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByText('3 event(s) stored, 0 erased, 0 blocked.').waitFor();
    await screenshot(page, 'subject');
    const erase = page.locator('form[action="/console/subject/erase"]');
    await erase.getByLabel('Reason').fill('TICKET-77 cancellation');
    await erase.getByLabel('Type the reference again to confirm').fill('wrong');
    await erase.getByRole('button', { name: 'Erase' }).click();
    await page.getByText('What you typed again does not match: nothing was erased.').waitFor();
    await erase.getByLabel('Reason').fill('TICKET-77 cancellation');
    await erase.getByLabel('Type the reference again to confirm').fill(REF);
    await erase.getByRole('button', { name: 'Erase' }).click();
    await page.getByText('Erased: 3 event(s).').waitFor();

    await page.goto(`${service.adminUrl}/console/session/${sessions.veriff}`);
    expect(await page.getByText('Show payload').count()).toBe(0);
    expect(await page.getByText(/^Erased /).count()).toBe(2);
    expect(await page.content()).not.toContain('JUANA');
    const events = (await (await api(`/events?reference=${REF}`)).json()) as { events: { id: string; payload: unknown }[] };
    for (const e of events.events) {
      expect(e.payload).toBeNull();
      expect((await api(`/events/${e.id}/payload`)).status).toBe(410);
    }

    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit' }).waitFor();
    await page.getByLabel('Actor').fill('admin-person');
    await page.getByRole('button', { name: 'Filter' }).click();
    // Newest first: the session read after the erase, then the erase itself, with its reason.
    const rows = await page.getByRole('row').allTextContents();
    expect(rows[1]).toContain('read_payload');
    expect(rows[2]).toMatch(new RegExp(`admin-personadminerase${REF}TICKET-77 cancellationok$`));
    await screenshot(page, 'audit');
    expectClean(watch);
    await context.close();
  });

  it('Spanish by Accept-Language, English by the switch; sign-out ends the session', async () => {
    const context = await browser.newContext({ locale: 'es-MX' });
    const page = await context.newPage();
    const watch = watchPage(page);
    await page.goto(`${service.adminUrl}/`);
    await page.getByRole('heading', { level: 1, name: 'Iniciar sesión' }).waitFor();
    await screenshot(page, 'sign-in-es');
    await page.getByLabel('Clave de acceso').fill(keys.support!);
    await page.getByRole('button', { name: 'Iniciar sesión' }).click();
    await page.getByRole('heading', { level: 1, name: 'Buscar' }).waitFor();
    await page.getByLabel('Buscar', { exact: true }).fill(PARKED_REF);
    await page.getByRole('button', { name: 'Buscar' }).click();
    await screenshot(page, 'search-results-es');
    await page.getByRole('link', { name: sessions.parked }).click();
    await page.getByRole('heading', { level: 1, name: `Sesión ${sessions.parked}` }).waitFor();
    await page.getByText('Cronología').waitFor();
    await page.getByText('Ver contenido').click();
    await page.locator('pre.payload').waitFor();
    await screenshot(page, 'session-es');
    // The other pages a support agent opens, in Spanish, as the test run's screenshots.
    for (const [link, heading, name] of [
      ['Cuarentena', 'Cuarentena', 'quarantine-es'],
      ['Destinos', 'Destinos', 'sinks-es'],
      ['Actividad', 'Actividad', 'activity-es'],
    ] as const) {
      await page.getByRole('link', { name: link }).click();
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await screenshot(page, name);
    }
    await page.getByRole('link', { name: 'Buscar' }).click();
    await page.getByLabel('Buscar', { exact: true }).fill(PARKED_REF);
    await page.getByRole('button', { name: 'Buscar' }).click();
    await page.getByRole('link', { name: sessions.parked }).click();
    await page.getByRole('link', { name: 'English' }).click();
    await page.getByRole('heading', { level: 1, name: `Session ${sessions.parked}` }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    const after = await page.goto(`${service.adminUrl}/console/sinks`);
    expect(new URL(after!.url()).pathname).toBe('/console/sign-in');
    expectClean(watch);
    await context.close();
  });

  it('refuses a forged cross-site form post and a post without the form token; the icon is served', async () => {
    const { context, page } = await signedIn('operator');
    // Another site's page posting to the console with the operator's browser.
    const evil: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end(
        `<!doctype html><form method="post" action="${service.adminUrl}/console/sinks/replay">
           <input type="hidden" name="sink" value="http"><input type="hidden" name="confirm" value="1">
           <button type="submit">Win a prize</button></form>`,
      );
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.2', resolve));
    const before = (await auditRecords()).filter((r) => r.action === 'replay').length;
    await page.goto(`http://127.0.0.2:${(evil.address() as AddressInfo).port}/`);
    const answer = page.waitForResponse((r) => r.url().includes('/console/sinks/replay'));
    await page.getByRole('button', { name: 'Win a prize' }).click();
    expect((await answer).status()).toBe(403);
    await page.getByText('This form is stale or came from another site').waitFor();
    evil.close();

    // The same browser's own cookies, but no form token.
    const cookies = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const bare = await fetch(`${service.adminUrl}/console/sinks/replay`, {
      method: 'POST',
      headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'sink=http&confirm=1',
      redirect: 'manual',
    });
    expect(bare.status).toBe(403);
    expect((await auditRecords()).filter((r) => r.action === 'replay').length).toBe(before);
    // The service's log lines reach this process through a pipe, maybe after the answers.
    await waitFor('two refusal lines', () => service.lines.filter((l) => l.msg === 'console form refused').length === 2);

    const icon = await fetch(`${service.adminUrl}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toContain('image/svg+xml');
    await context.close();
  });
});
