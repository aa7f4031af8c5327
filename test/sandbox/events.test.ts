/** Outbound POSTs: install, CRM events (online and offline), uninstall and update. */
import { afterEach, describe, expect, it } from 'vitest';
import { contract, expectShape, ok, startHarness, wire, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const posts = (hh: Harness, path: string) => hh.received.filter((r) => r.path === path);

describe('install', () => {
  it('REST-only install POSTs the ONAPPINSTALL shape as a form body and finishes at once', async () => {
    h = await startHarness();
    const [install] = posts(h, '/install');
    expect(install!.contentType).toBe('application/x-www-form-urlencoded');
    expectShape(install!.body, wire(contract('event-ONAPPINSTALL.json')));
    expect(install!.body).toMatchObject({
      event: 'ONAPPINSTALL',
      data: { INSTALLED: 'Y', LANGUAGE_ID: 'ru' },
      auth: {
        access_token: h.install.tokens.accessToken,
        refresh_token: h.install.tokens.refreshToken,
        member_id: h.sb.memberId,
        application_token: h.install.applicationToken,
        client_endpoint: h.sb.clientEndpoint,
        server_endpoint: h.sb.serverEndpoint,
        status: 'L',
        user_id: '1',
      },
    });
    expect((await ok(h, 'app.info')).INSTALLED).toBe(true);
  });

  it('UI install returns the frame POST and waits for installFinish; events wait too', async () => {
    h = await startHarness({ install: false });
    const { frame, tokens, applicationToken } = await h.sb.installApp({ ui: true });
    const sample = contract('app-page-DEFAULT.request.json');
    expectShape(frame!.query, sample.query);
    expectShape(frame!.body, sample.body);
    expect(frame!.url.startsWith(`${h.appUrl}/install?`)).toBe(true);
    expect(frame!.body).toMatchObject({ AUTH_ID: tokens.accessToken, APPLICATION_TOKEN: applicationToken, PLACEMENT: 'DEFAULT', member_id: h.sb.memberId });
    const token = tokens.accessToken;
    expect((await ok(h, 'app.info', {}, { token })).INSTALLED).toBe(false);
    await ok(h, 'event.bind', { event: 'ONCRMDEALADD', handler: `${h.appUrl}/events` }, { token });
    await ok(h, 'crm.deal.add', { fields: { TITLE: 'before finish' } }, { token });
    await h.sb.waitForDeliveries();
    expect(posts(h, '/events')).toHaveLength(0);
    h.sb.finishInstall();
    await ok(h, 'crm.deal.add', { fields: { TITLE: 'after finish' } }, { token });
    await h.sb.waitForDeliveries();
    expect(posts(h, '/events')).toHaveLength(1);
  });
});

describe('CRM events', () => {
  it('delivers form posts with the changing user token, asynchronously and without retries', async () => {
    h = await startHarness();
    for (const event of ['ONCRMDEALADD', 'ONCRMDEALUPDATE', 'ONCRMDEALMOVETOCATEGORY', 'ONCRMDYNAMICITEMADD', 'ONCRMCONTACTADD']) {
      await ok(h, 'event.bind', { event, handler: `${h.appUrl}/events` });
    }
    await ok(h, 'crm.type.add', { fields: { title: 'SPA', entityTypeId: 1050 } });
    await ok(h, 'event.bind', { event: 'ONCRMDYNAMICITEMADD_1050', handler: `${h.appUrl}/events/typed` });
    const clerk = h.sb.issueUserToken(2).accessToken;
    const dealId = await ok(h, 'crm.deal.add', { fields: { TITLE: 'Событие' } }, { token: clerk });
    await h.sb.waitForDeliveries();
    const [add] = posts(h, '/events');
    expect(add!.contentType).toBe('application/x-www-form-urlencoded');
    expectShape(add!.body, wire(contract('event-ONCRMDEALADD.app.json')));
    expect(add!.body).toMatchObject({ event: 'ONCRMDEALADD', data: { FIELDS: { ID: String(dealId) } }, auth: { application_token: h.install.applicationToken } });
    expect((await ok(h, 'user.current', {}, { token: add!.body.auth.access_token })).ID).toBe('2');

    const cat = (await ok(h, 'crm.category.add', { entityTypeId: 2, fields: { name: 'Другая' } })).category;
    await ok(h, 'crm.item.update', { entityTypeId: 2, id: dealId, fields: { categoryId: cat.id } });
    await ok(h, 'crm.item.add', { entityTypeId: 1050, fields: { title: 'SPA item' } });
    await ok(h, 'crm.contact.add', { fields: { NAME: 'Контакт' } });
    await h.sb.waitForDeliveries();
    const events = posts(h, '/events').map((r) => r.body);
    expect(events.map((e) => e.event)).toEqual(['ONCRMDEALADD', 'ONCRMDEALUPDATE', 'ONCRMDEALMOVETOCATEGORY', 'ONCRMDYNAMICITEMADD', 'ONCRMCONTACTADD']);
    expect(events[2].data.FIELDS).toEqual({ ID: String(dealId), CATEGORY_ID: String(cat.id), STAGE_ID: `C${cat.id}:NEW` });
    expect(events[3].data.FIELDS).toEqual({ ID: '1', ENTITY_TYPE_ID: '1050' });
    expectShape(events[3], wire(contract('event-ONCRMDYNAMICITEMADD.json')), '$', ['$.auth.refresh_token']);
    expect(posts(h, '/events/typed')).toHaveLength(1);

    // A change by the portal itself (robot/workflow) carries no token.
    await h.sb.callAs(null, 'crm.deal.update', { id: dealId, fields: { TITLE: 'by robot' } });
    await h.sb.waitForDeliveries();
    const byRobot = posts(h, '/events').at(-1)!.body;
    expect(byRobot.event).toBe('ONCRMDEALUPDATE');
    expect(byRobot.auth.access_token).toBeUndefined();
    expect(byRobot.auth.member_id).toBe(h.sb.memberId);

    // Failures are recorded, not retried.
    h.answerStatus.set('/events', 500);
    const before = h.received.length;
    await ok(h, 'crm.deal.update', { id: dealId, fields: { TITLE: 'fails' } });
    await h.sb.waitForDeliveries();
    expect(h.received.length - before).toBe(1);
    expect(h.sb.deliveries.at(-1)).toMatchObject({ event: 'ONCRMDEALUPDATE', status: 500, error: 'HTTP 500' });
  });

  it('offline events: one record per object, reservation with clear=0, errors, ONOFFLINEEVENT throttle', async () => {
    h = await startHarness();
    await ok(h, 'event.bind', { event: 'ONCRMDEALUPDATE', event_type: 'offline' });
    await ok(h, 'event.bind', { event: 'ONOFFLINEEVENT', handler: `${h.appUrl}/offline`, options: { minTimeout: 60 } });
    const a = await ok(h, 'crm.deal.add', { fields: { TITLE: 'A' } });
    const b = await ok(h, 'crm.deal.add', { fields: { TITLE: 'B' } });
    for (const t of ['A1', 'A2', 'A3']) await ok(h, 'crm.deal.update', { id: a, fields: { TITLE: t } });
    await ok(h, 'crm.deal.update', { id: b, fields: { TITLE: 'B1' } });
    await h.sb.waitForDeliveries();
    const pings = posts(h, '/offline');
    expect(pings).toHaveLength(1);
    expect(pings[0]!.body.auth.refresh_token).toEqual(expect.any(String));
    expectShape(pings[0]!.body, wire(contract('event-ONOFFLINEEVENT.json')), '$', ['$.data']);

    const listed = await ok(h, 'event.offline.list');
    expect(listed.map((r: any) => r.EVENT_DATA.FIELDS.ID)).toEqual([a, b]);

    const first = await ok(h, 'event.offline.get', { clear: 0, limit: 1 });
    expect(first.events).toHaveLength(1);
    const second = await ok(h, 'event.offline.get', { clear: 0 });
    expect(second.events.map((e: any) => e.EVENT_DATA.FIELDS.ID)).toEqual([b]);
    expect(second.process_id).not.toBe(first.process_id);
    // A change to a reserved object starts a new record.
    await ok(h, 'crm.deal.update', { id: a, fields: { TITLE: 'A4' } });
    await ok(h, 'event.offline.error', { process_id: second.process_id, message_id: [second.events[0].MESSAGE_ID] });
    expect((await ok(h, 'event.offline.get', { error: 1 })).events).toHaveLength(1);
    await ok(h, 'event.offline.clear', { process_id: first.process_id, id: [first.events[0].ID] });
    const rest = await ok(h, 'event.offline.get');
    expect(rest.process_id).toBeNull();
    expect(rest.events.map((e: any) => e.EVENT_DATA.FIELDS.ID)).toEqual([a]);
    expect(await ok(h, 'event.offline.list')).toEqual([]);

    h.sb.clock.advance(61_000);
    await ok(h, 'crm.deal.update', { id: b, fields: { TITLE: 'B2' } });
    await h.sb.waitForDeliveries();
    expect(posts(h, '/offline')).toHaveLength(2);
  });
});

describe('uninstall and update', () => {
  it('ONAPPUNINSTALL carries no tokens; bindings, placements and robots are removed', async () => {
    h = await startHarness();
    await ok(h, 'event.bind', { event: 'ONAPPUNINSTALL', handler: `${h.appUrl}/uninstall` });
    await ok(h, 'placement.bind', { PLACEMENT: 'CRM_DEAL_DETAIL_TAB', HANDLER: `${h.appUrl}/placements/deal` });
    await ok(h, 'bizproc.robot.add', { CODE: 'r1', HANDLER: `${h.appUrl}/robots/r1`, NAME: 'R1', USE_SUBSCRIPTION: 'Y' });
    await ok(h, 'app.option.set', { options: { k: 'v' } });
    await h.sb.uninstallApp({ clean: true });
    const [post] = posts(h, '/uninstall');
    expectShape(post!.body, wire(contract('event-ONAPPUNINSTALL.json')));
    expect(Object.keys(post!.body.auth).sort()).toEqual(['application_token', 'client_endpoint', 'domain', 'member_id', 'server_endpoint']);
    expect(post!.body.data).toEqual({ LANGUAGE_ID: 'ru', CLEAN: '1' });
    expect([h.sb.state.eventBindings, h.sb.state.placements, h.sb.state.robots, h.sb.state.app.options]).toEqual([[], [], [], {}]);
    // Reinstall: a new application_token and a clean slate.
    const again = await h.sb.installApp();
    expect(again.applicationToken).not.toBe(h.install.applicationToken);
  });

  it('an update wipes event handlers and robots and sends ONAPPUPDATE', async () => {
    h = await startHarness();
    await ok(h, 'event.bind', { event: 'ONAPPUPDATE', handler: `${h.appUrl}/update` });
    await ok(h, 'bizproc.robot.add', { CODE: 'r1', HANDLER: `${h.appUrl}/robots/r1`, NAME: 'R1' });
    await ok(h, 'placement.bind', { PLACEMENT: 'LEFT_MENU', HANDLER: `${h.appUrl}/placements/menu` });
    await h.sb.updateApp({ version: '2' });
    const [post] = posts(h, '/update');
    expect(post!.body).toMatchObject({ event: 'ONAPPUPDATE', data: { VERSION: '2', PREVIOUS_VERSION: '1' } });
    expect(post!.body.auth.access_token).toEqual(expect.any(String));
    expect(await ok(h, 'bizproc.robot.list')).toEqual([]);
    expect(await ok(h, 'event.get')).toEqual([]);
    expect((await ok(h, 'placement.get')).length).toBe(1);
    expect((await ok(h, 'app.info')).VERSION).toBe(2);
  });
});
