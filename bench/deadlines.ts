/**
 * Benchmark 4: the signing-deadline scan over 50,000 open applications of which 300 are due today
 * (150 reach the reminder day, 150 the closing day). The scan ran yesterday, as it does on its
 * schedule, so only today's due items are new. Target: requests follow the due items, not the open
 * ones (≤ 15). Seeding copies real records straight into the portal's state (no events, not counted).
 */
import { dateInZone } from '../app/clock.js';
import { enqueueScan } from '../app/schedules.js';
import { mapKeys } from '../app/registry/names.js';
import type { ItemRec } from '../sandbox/index.js';
import { settle, startBenchStack } from './stack.js';
import type { BenchContext, BenchRow } from './types.js';

const OPEN = 50_000;
const DUE_REMIND = 150;
const DUE_CLOSE = 150;
const DAY = 86_400_000;

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const stack = await startBenchStack();
  try {
    const { sb, app } = stack;
    await sb.installApp();
    await settle(stack);
    const memberId = sb.memberId;
    const m = await app.store.getMap(memberId);
    const field = (k: string) => m[mapKeys.field(k)]!;
    const day = (offset: number) => dateInZone(sb.clock.now() + offset * DAY, 'Europe/Moscow');

    // One real contact and deal through the API, then copies of them straight into the state.
    const contactId = Number(await sb.callAs(1, 'crm.contact.add', { fields: { NAME: 'Заявитель', LAST_NAME: 'Тестовый', EMAIL: [{ VALUE: 'bench@example.test', VALUE_TYPE: 'WORK' }] } }));
    const dealId = Number(
      await sb.callAs(1, 'crm.deal.add', {
        fields: { TITLE: 'Заявление', CATEGORY_ID: m[mapKeys.pipelineCategory('membership')], STAGE_ID: m[mapKeys.stage('membership', 'SIGNING')], CONTACT_ID: contactId, [field('deal.appliedAt')]: day(-3) },
      }),
    );
    await settle(stack);
    const deals = sb.state.items['2']!;
    const contacts = sb.state.items['3']!;
    const dealTemplate = deals[String(dealId)]!;
    const contactTemplate = contacts[String(contactId)]!;
    const appliedKey = Object.keys(dealTemplate.data).find((k) => k.toUpperCase().includes('APPLIED_AT'))!;
    let nextDeal = dealTemplate.id;
    let nextContact = contactTemplate.id;
    for (let n = 0; n < OPEN; n++) {
      const due = n < DUE_REMIND ? -10 : n < DUE_REMIND + DUE_CLOSE ? -40 : -(n % 9) - 1;
      nextContact += 1;
      contacts[String(nextContact)] = { ...contactTemplate, id: nextContact, data: { ...contactTemplate.data, id: nextContact }, fm: contactTemplate.fm.map((f) => ({ ...f })) } as ItemRec;
      nextDeal += 1;
      deals[String(nextDeal)] = { ...dealTemplate, id: nextDeal, data: { ...dealTemplate.data, id: nextDeal, contactId: nextContact, [appliedKey]: day(due) } } as ItemRec;
    }
    sb.state.seq['item:2'] = nextDeal;
    sb.state.seq['item:3'] = nextContact;
    // Yesterday's scan already looked at everything up to yesterday's reminder cut-off.
    await app.store.setSetting(memberId, 'membership.lastRemindCutoff', day(-11));
    ctx.log(`deadlines: seeded ${OPEN} open applications, ${DUE_REMIND + DUE_CLOSE} due today`);

    sb.resetStats();
    const emailsBefore = sb.state.emails.length;
    const started = performance.now();
    await enqueueScan(app.store, 'signing-deadlines', 'bench');
    app.worker.kick();
    // The scan is one job and a portal runs one job at a time: its requests are the stats when it is done.
    // (The emulator filters its 50k deals for every page it answers, which is slow; a portal isn't.)
    while (!(await app.store.listJobs(memberId, 'done', 50)).some((j) => j.kind === 'cron:signing-deadlines')) {
      if ((await app.store.listJobs(memberId, 'failed', 1)).length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const wallMs = performance.now() - started;
    const stats = structuredClone(sb.stats);
    // Then the portal's events for the 150 closed deals (stage LOSE: the letter is found already sent).
    sb.resetStats();
    await sb.waitForDeliveries();
    await app.worker.idle(600_000);
    const followUp = structuredClone(sb.stats);
    const failed = await app.store.listJobs(memberId, 'failed', 5);
    const closed = Object.values(deals).filter((d) => String(d.data.stageId ?? '').endsWith(':LOSE')).length;
    const reminders = sb.state.emails.length - emailsBefore;
    ctx.log(`deadlines: ${stats.requests} requests, ${reminders} reminders, ${closed} closed, ${Math.round(wallMs)} ms`);
    return [
      {
        benchmark: 'deadlines: 50k open, 300 due',
        requests: stats.requests,
        wallMs,
        measured: `scan: ${stats.requests} requests; ${reminders} e-mails (${DUE_REMIND} reminders + ${DUE_CLOSE} refusal letters sent with the closing); then the closed deals' stage events: ${followUp.requests} requests, ${closed} closed${failed.length ? `; FAILED: ${failed[0]!.lastError}` : ''}`,
        target: '≤ 15 requests, proportional to due items',
        pass: stats.requests <= 15 && reminders === DUE_REMIND + DUE_CLOSE && closed === DUE_CLOSE && failed.length === 0,
        details: { open: OPEN, dueRemind: DUE_REMIND, dueClose: DUE_CLOSE, methods: stats.methods, followUpRequests: followUp.requests },
      },
    ];
  } finally {
    await stack.close();
  }
}
