/** Robots on stages: the portal POSTs the robot call, bizproc.event.send completes the run. */
import { afterEach, describe, expect, it } from 'vitest';
import { contract, expectShape, ok, startHarness, wire, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function registerRobot(hh: Harness, code = 'issue-certificate') {
  await ok(hh, 'bizproc.robot.add', {
    CODE: code,
    HANDLER: `${hh.appUrl}/robots/${code}`,
    AUTH_USER_ID: 1,
    USE_SUBSCRIPTION: 'Y',
    NAME: { ru: 'Выдать справку' },
    PROPERTIES: {
      title: { Name: 'Название', Type: 'string', Default: '{=Document:TITLE}' },
      amount: { Name: 'Сумма', Type: 'double' },
      note: { Name: 'Примечание', Type: 'text', Default: 'Сделка {=Document:ID}: {=Document:TITLE}' },
    },
    RETURN_PROPERTIES: { status: { Name: 'Статус', Type: 'string' }, docId: { Name: 'Документ', Type: 'int' } },
  });
}

describe('stage automation', () => {
  it('fires the robot when a deal enters the stage and completes on bizproc.event.send', async () => {
    h = await startHarness();
    await registerRobot(h);
    h.sb.automation.addRobot({ entityTypeId: 2, categoryId: 0, stageId: 'PREPARATION', code: 'issue-certificate', properties: { amount: '{=Document:OPPORTUNITY}' } });
    const id = await ok(h, 'crm.deal.add', { fields: { TITLE: 'Справка', OPPORTUNITY: 250 } });
    await h.sb.waitForDeliveries();
    expect(h.received.filter((r) => r.path.startsWith('/robots/'))).toHaveLength(0);

    await ok(h, 'crm.item.update', { entityTypeId: 2, id, fields: { stageId: 'PREPARATION' } });
    await h.sb.waitForDeliveries();
    const [call] = h.received.filter((r) => r.path === '/robots/issue-certificate');
    expect(call!.contentType).toBe('application/x-www-form-urlencoded');
    // properties are the robot's own; the sample's keys (comment, amount) are someone else's robot.
    expectShape(call!.body, wire(contract('robot-handler-request.json')), '$', ['$.properties']);
    expect(call!.body).toMatchObject({
      code: 'issue-certificate',
      document_id: ['crm', 'CCrmDocumentDeal', `DEAL_${id}`],
      document_type: ['crm', 'CCrmDocumentDeal', 'DEAL'],
      properties: { title: 'Справка', amount: '250', note: `Сделка ${id}: Справка` },
      use_subscription: 'Y',
      auth: { application_token: h.install.applicationToken, user_id: '1', member_id: h.sb.memberId },
    });
    const [run] = h.sb.automation.runs;
    expect(run).toMatchObject({ status: 'waiting', itemId: id, eventToken: call!.body.event_token });

    // The robot handler answers with the token from the call.
    const robotToken = call!.body.auth.access_token;
    await ok(
      h,
      'bizproc.event.send',
      { EVENT_TOKEN: call!.body.event_token, RETURN_VALUES: { STATUS: 'done', docId: 7, junk: 1 }, LOG_MESSAGE: 'Справка выдана' },
      { token: robotToken },
    );
    expect(h.sb.automation.runs[0]).toMatchObject({ status: 'completed', returnValues: { status: 'done', docId: 7 }, logMessage: 'Справка выдана' });
    const again = await h.rest('bizproc.event.send', { event_token: call!.body.event_token, return_values: {} });
    expect([again.status, again.body.error]).toEqual([403, 'ACCESS_DENIED']);
  });

  it('fires for smart-process items, accepts lowercase keys and logs without finishing', async () => {
    h = await startHarness();
    await registerRobot(h, 'notify');
    await ok(h, 'crm.type.add', { fields: { title: 'Заявления', entityTypeId: 1060, isStagesEnabled: 'Y' } });
    const [cat] = (await ok(h, 'crm.category.list', { entityTypeId: 1060 })).categories;
    h.sb.automation.addRobot({ entityTypeId: 1060, stageId: `DT1060_${cat.id}:NEW`, code: 'notify', timeoutSec: 600 });
    const item = (await ok(h, 'crm.item.add', { entityTypeId: 1060, fields: { title: 'Заявление' } })).item;
    await h.sb.waitForDeliveries();
    const [call] = h.received.filter((r) => r.path === '/robots/notify');
    expect(call!.body.document_id).toEqual(['crm', 'Bitrix\\Crm\\Integration\\BizProc\\Document\\Dynamic', `DYNAMIC_1060_${item.id}`]);
    expect(call!.body.document_type[2]).toBe('DYNAMIC_1060');
    expect(call!.body.timeout_duration).toBe('600');
    await ok(h, 'bizproc.activity.log', { EVENT_TOKEN: call!.body.event_token, LOG_MESSAGE: 'в работе' });
    expect(h.sb.automation.runs[0]!.status).toBe('waiting');
    await ok(h, 'bizproc.event.send', { event_token: call!.body.event_token, return_values: { status: 'ok' } });
    expect(h.sb.automation.runs[0]).toMatchObject({ status: 'completed', log: ['в работе'] });
  });

  it('does nothing for robots the app has not registered or after uninstall', async () => {
    h = await startHarness();
    h.sb.automation.addRobot({ entityTypeId: 2, stageId: 'NEW', code: 'missing' });
    await ok(h, 'crm.deal.add', { fields: { TITLE: 'x' } });
    await registerRobot(h, 'present');
    h.sb.automation.addRobot({ entityTypeId: 2, stageId: 'NEW', code: 'present' });
    await h.sb.uninstallApp();
    await h.sb.callAs(1, 'crm.deal.add', { fields: { TITLE: 'y' } });
    await h.sb.waitForDeliveries();
    expect(h.received.filter((r) => r.path.startsWith('/robots/'))).toHaveLength(0);
    expect(h.sb.automation.runs).toHaveLength(0);
  });
});
