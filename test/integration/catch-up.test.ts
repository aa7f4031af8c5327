/**
 * The catch-up scan by modification time: stage changes the app never heard of (events lost while
 * it was down, the offline queue emptied) are found by asking the portal for deals changed since
 * the last scan, and acted on once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapKeys } from '../../app/registry/names.js';
import { enqueueScan } from '../../app/schedules.js';
import { CATCH_UP_SETTING, SCAN_OVERLAP_MS } from '../../handlers/cron/catch-up-scan.js';
import { toForm } from '../helpers/contract.js';
import { settle, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
let m: Record<string, string>;
beforeAll(async () => {
  stack = await startStack();
  await stack.sb.installApp();
  await settle(stack);
  m = await stack.app.store.getMap(stack.sb.memberId);
});
afterAll(async () => {
  await stack?.close();
});

const statusComments = (contactId: number) => stack.sb.state.timelineComments.filter((c) => Number(c.entityId) === contactId && String(c.comment).includes('#du-status'));

async function newApplication(name: string) {
  const contact = (await stack.sb.callAs(1, 'crm.item.add', { entityTypeId: 3, fields: { name, lastName: 'Сканова' } })) as { item: { id: number } };
  const deal = (await stack.sb.callAs(1, 'crm.item.add', { entityTypeId: 2, fields: { title: `Заявление ${name}`, categoryId: Number(m[mapKeys.pipelineCategory('membership')]), contactIds: [contact.item.id] } })) as { item: { id: number } };
  return { contactId: contact.item.id, dealId: deal.item.id };
}

let scanSeq = 0;
async function scan() {
  await enqueueScan(stack.app.store, 'catch-up-scan', `test:${++scanSeq}`);
  stack.app.worker.kick();
  await settle(stack);
}

describe('catch-up scan by modification time', () => {
  it('starts from the install, not from the portal history', async () => {
    const mark = await stack.app.store.getSetting<number>(stack.sb.memberId, CATCH_UP_SETTING);
    expect(typeof mark).toBe('number');
    expect(mark).toBeLessThanOrEqual(stack.sb.clock.now());
  });

  it('finds the deals moved while no event or offline record reached the app, and acts once on each', async () => {
    const apps = [await newApplication('Ирина'), await newApplication('Кирилл'), await newApplication('Лев')];
    await settle(stack);
    const won = m[mapKeys.stage('membership', 'WON')]!;
    await stack.stopApp();
    for (const a of apps) await stack.sb.callAs(1, 'crm.item.update', { entityTypeId: 2, id: a.dealId, fields: { stageId: won } });
    await stack.sb.waitForDeliveries();
    // The online deliveries failed (the app was down) and the offline queue is gone: only the scan can know.
    expect(stack.sb.deliveries.filter((d) => d.kind === 'event' && d.event === 'ONCRMDEALUPDATE' && d.error).length).toBeGreaterThanOrEqual(apps.length);
    stack.sb.state.offlineEvents = [];
    stack.sb.clock.advance(5_000);

    await stack.startApp(); // boot queues the offline drain (finds nothing) and a catch-up scan
    await settle(stack);
    for (const a of apps) expect(statusComments(a.contactId)).toHaveLength(1);
    const methods = stack.app.pool.counts(stack.sb.memberId).methods;
    expect(methods['event.offline.get']).toBe(1); // the drain ran and found nothing …
    expect(methods['crm.item.list']).toBeGreaterThanOrEqual(1); // … the scan found the deals

    // Scheduled scans again: nothing more happens.
    await scan();
    await scan();
    for (const a of apps) expect(statusComments(a.contactId)).toHaveLength(1);
  });

  it('a scan with nothing changed costs one request; it moves the mark', async () => {
    stack.sb.clock.advance(SCAN_OVERLAP_MS + 60_000);
    await scan(); // the window still holds the previous changes' tail
    const before = await stack.app.store.getSetting<number>(stack.sb.memberId, CATCH_UP_SETTING);
    stack.sb.clock.advance(10 * 60_000);
    stack.app.pool.resetCounts(stack.sb.memberId);
    stack.sb.resetStats();
    await scan();
    expect(stack.app.pool.counts(stack.sb.memberId).requests).toBe(1);
    expect(stack.sb.stats.requests).toBe(1);
    expect(stack.sb.stats.mutations).toBe(0);
    expect(await stack.app.store.getSetting<number>(stack.sb.memberId, CATCH_UP_SETTING)).toBeGreaterThan(before!);
  });

  it('acts on a deal moved after the last scan, with the same effect keys as the event path', async () => {
    const a = await newApplication('Мирон');
    await settle(stack);
    await stack.stopApp();
    await stack.sb.callAs(1, 'crm.item.update', { entityTypeId: 2, id: a.dealId, fields: { stageId: m[mapKeys.stage('membership', 'WON')]! } });
    await stack.sb.waitForDeliveries();
    stack.sb.state.offlineEvents = [];
    await stack.startApp();
    await settle(stack);
    expect(statusComments(a.contactId)).toHaveLength(1);
    // The lost event arrives after all (replayed as the portal sent it): still one effect.
    const lost = stack.sb.deliveries.filter((d) => d.kind === 'event' && d.event === 'ONCRMDEALUPDATE' && d.error).at(-1)!;
    const res = await fetch(`${stack.app.url}/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: toForm(lost.payload) });
    expect(res.status).toBe(200);
    await settle(stack);
    await scan();
    expect(statusComments(a.contactId)).toHaveLength(1);
  });
});
