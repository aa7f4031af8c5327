/**
 * Single-portal mode: B24_WEBHOOK_URL and no client id. The app registers the webhook's portal at
 * boot, reconciles what an inbound webhook can register (pipelines, stages, smart processes,
 * fields — not robots, events or placements), and runs stage actions from the catch-up scan.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../app/app.js';
import { loadConfig, type Config } from '../../app/config.js';
import { createLogger } from '../../app/logger.js';
import { WEBHOOK_PLAN_NOTE } from '../../app/registry/diff.js';
import { mapKeys } from '../../app/registry/names.js';
import { enqueueScan } from '../../app/schedules.js';
import { webhookMemberId } from '../../app/webhook-mode.js';
import { startSandbox } from '../../sandbox/index.js';
import { freePort, type Sandbox } from '../helpers/stack.js';

const SECRET = 'wh0oksecret123';
const SCOPE = 'crm,userfieldconfig,user_brief,im,disk,task';
const CHAIRMAN = 5;

let sb: Sandbox;
let app: RunningApp;
let config: Config;
let memberId: string;
let m: Record<string, string>;

const settle = async () => {
  for (let i = 0; i < 3; i++) {
    await sb.waitForDeliveries();
    await app.worker.idle();
  }
};
let scanSeq = 0;
const scan = async () => {
  await enqueueScan(app.store, 'catch-up-scan', `test:${++scanSeq}`);
  app.worker.kick();
  await settle();
};
const f = (key: string) => m[mapKeys.field(key)]!;
const as = (method: string, params: Record<string, unknown>) => sb.callAs(2, method, params) as Promise<any>;

beforeAll(async () => {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  sb = await startSandbox({
    port: 0,
    rateLimit: false,
    // The app is never installed: the portal knows it only through the inbound webhook.
    app: { clientId: 'local.unused', clientSecret: 'unused', installUrl: `${publicUrl}/install`, handlerUrl: `${publicUrl}/placements/DEFAULT`, scope: 'crm' },
    webhooks: [{ userId: 1, secret: SECRET, scope: SCOPE }],
  });
  config = {
    ...loadConfig({ SANDBOX: 'off', B24_WEBHOOK_URL: `${sb.portalUrl}/rest/1/${SECRET}/` }),
    port,
    publicUrl,
    dbPath: join(mkdtempSync(join(tmpdir(), 'du-webhook-')), 'app.db'),
    logLevel: 'silent',
  };
  expect(config.clientId).toBe('');
  sb.resetStats();
  app = await startApp({ config, logger: createLogger('silent'), restRateLimit: false, schedules: false, clock: sb.clock });
  memberId = webhookMemberId(config.webhookUrl!);
  await settle();
  m = await app.store.getMap(memberId);
});
afterAll(async () => {
  await app?.close();
  await sb?.close();
});

describe('single-portal mode through an inbound webhook', () => {
  it('configuration: one mode at a time, and a URL that names user and secret', () => {
    expect(() => loadConfig({ B24_WEBHOOK_URL: 'https://x.bitrix24.ru/rest/1/abc/', B24_CLIENT_ID: 'a', B24_CLIENT_SECRET: 'b' })).toThrow(/B24_WEBHOOK_URL/);
    expect(() => loadConfig({ B24_WEBHOOK_URL: 'https://x.bitrix24.ru/rest/' })).toThrow(/B24_WEBHOOK_URL/);
    expect(loadConfig({ B24_WEBHOOK_URL: 'https://x.bitrix24.ru/rest/1/abc/' })).toMatchObject({ sandbox: false, clientId: '' });
  });

  it('registers the portal at boot: no tokens, no application token', async () => {
    const portal = await app.store.getPortal(memberId);
    expect(portal).toMatchObject({ domain: new URL(sb.portalUrl).host, clientEndpoint: `${sb.portalUrl}/rest/`, status: 'active', applicationToken: '', accessToken: '', refreshToken: '' });
    expect(portal!.installedAt).toBeTruthy();
    // The secret is configuration only: never stored.
    expect(JSON.stringify(portal)).not.toContain(SECRET);
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { portals: number };
    expect(health.portals).toBe(1);
  });

  it('creates the pipeline, the smart process and the fields; attempts no robot, event or placement', async () => {
    const st = sb.state;
    const cat = st.categories.find((c) => c.name === 'Вступление в профсоюз');
    expect(cat).toBeDefined();
    expect(m[mapKeys.pipelineCategory('membership')]).toBe(String(cat!.id));
    expect(st.crmTypes.map((t) => t.title)).toContain('Постановления');
    expect(st.userFields.map((x) => x.fieldName)).toEqual(expect.arrayContaining(['UF_CRM_DU_STATUS', 'UF_CRM_DU_ORG_TYPE', 'UF_CRM_DU_SIGNED_DOCS']));
    expect(st.robots).toHaveLength(0);
    expect(st.eventBindings).toHaveLength(0);
    const methods = Object.keys(sb.stats.methods);
    expect(methods.filter((x) => /^(bizproc\.|event\.|placement\.|app\.)|getforapp/.test(x))).toEqual([]);
    expect((await app.store.queueStats(memberId)).failed).toBe(0);
  });

  it('the plan is up to date and says what webhook mode cannot do', async () => {
    sb.resetStats();
    const plan = await app.installer.plan(memberId);
    expect(plan.changes).toEqual([]);
    expect(plan.notes).toEqual([WEBHOOK_PLAN_NOTE]);
    expect(plan.notes![0]).toMatch(/роботы, обработчики событий и встройки/);
    expect(sb.stats.requests).toBe(1);
  });

  it('refuses events and robot calls claiming to be the webhook portal', async () => {
    const before = await app.store.queueStats();
    for (const token of ['', 'anything']) {
      const body = new URLSearchParams({ event: 'ONCRMDEALUPDATE', 'data[FIELDS][ID]': '1', ts: '1', 'auth[domain]': new URL(sb.portalUrl).host, 'auth[client_endpoint]': `${sb.portalUrl}/rest/`, 'auth[member_id]': memberId, 'auth[application_token]': token }).toString();
      const res = await fetch(`${app.url}/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    expect(await app.store.queueStats()).toEqual(before);
  });

  it('acts on a new application from the catch-up scan: documents, status "applied", on to signing', async () => {
    await app.store.setSetting(memberId, 'roles', { accountant: [7] });
    const primary = Number(await as('crm.company.add', { fields: { TITLE: 'ППО Вебхук', ASSIGNED_BY_ID: 3, [f('company.orgType')]: m[mapKeys.enumItem('company.orgType', 'primary')] } }));
    const workshop = Number(await as('crm.company.add', { fields: { TITLE: 'ЦПО Вебхук', ASSIGNED_BY_ID: CHAIRMAN, [f('company.orgType')]: m[mapKeys.enumItem('company.orgType', 'workshop')], [f('company.parentOrg')]: primary } }));
    const contactId = Number(await as('crm.contact.add', { fields: { LAST_NAME: 'Вебхукова', NAME: 'Вера', SECOND_NAME: 'Петровна', BIRTHDATE: '1991-02-03', POST: 'Инженер', EMAIL: [{ VALUE: 'vera@example.test', VALUE_TYPE: 'WORK' }] } }));
    const dealId = Number(
      await as('crm.deal.add', {
        fields: { TITLE: 'Заявление Вебхуковой', CATEGORY_ID: Number(m[mapKeys.pipelineCategory('membership')]), STAGE_ID: m[mapKeys.stage('membership', 'NEW')], CONTACT_ID: contactId, [f('deal.applicantOrg')]: workshop, [f('deal.pdConsent')]: 'Y' },
      }),
    );
    await settle();
    // The portal sends a webhook nothing: no delivery, nothing done until the scan runs.
    expect(sb.deliveries).toHaveLength(0);
    const deal = () => sb.callAs(1, 'crm.deal.get', { id: dealId }) as Promise<Record<string, any>>;
    expect((await deal()).STAGE_ID).toBe(m[mapKeys.stage('membership', 'NEW')]);

    sb.clock.advance(60_000);
    await scan();
    const d = await deal();
    expect(d.STAGE_ID).toBe(m[mapKeys.stage('membership', 'SIGNING')]);
    expect(d[f('deal.generatedDocs')]).toHaveLength(4);
    const contact = (await sb.callAs(1, 'crm.contact.get', { id: contactId })) as Record<string, any>;
    expect(String(contact[f('contact.status')])).toBe(m[mapKeys.enumItem('contact.status', 'applied')]);
    // The documents went to the webhook user's own Drive, not the app storage (which needs an app).
    expect(sb.state.disk.objects.some((o) => o.name === 'Цифровой профсоюз' && o.type === 'folder')).toBe(true);
    expect(sb.state.emails.some((e) => e.to.includes('vera@example.test'))).toBe(true);
    expect((await app.store.queueStats(memberId)).failed).toBe(0);

    // Scans again: the action is not repeated.
    const docs = sb.state.disk.objects.filter((o) => o.type === 'file').length;
    await scan();
    expect(sb.state.disk.objects.filter((o) => o.type === 'file').length).toBe(docs);
    expect(sb.state.emails.filter((e) => e.to.includes('vera@example.test'))).toHaveLength(1);
  });

  it('a restart reconciles with one read and registers nothing twice', async () => {
    await app.close();
    sb.resetStats();
    app = await startApp({ config, logger: createLogger('silent'), restRateLimit: false, schedules: false, clock: sb.clock });
    await settle();
    expect(sb.stats.mutations).toBe(0);
    expect((await app.store.listPortals()).map((p) => p.memberId)).toEqual([memberId]);
    // reconcile (1 read) + the boot catch-up scan (1 list: the changes in its overlap were seen
    // before, so nothing is read again); the offline drain asks nothing in this mode.
    expect(sb.stats.methods['event.offline.get'] ?? 0).toBe(0);
    expect(sb.stats.requests).toBe(2);
  });
});
