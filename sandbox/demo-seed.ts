/**
 * Demo data for `npm start`: a small union in the sandbox portal, created through REST the way
 * staff or a web form would. Runs once per sandbox portal (remembered in the app's settings).
 * The people are fictional.
 */
import type { RunningApp } from '../app/app.js';
import { mapKeys } from '../app/registry/names.js';
import type { RestClient } from '../app/rest/types.js';
import type { RoleMapping } from '../app/settings.js';

interface SandboxLike {
  memberId: string;
  installApp(opts?: { ui?: boolean }): Promise<unknown>;
}

const ORGS = [
  { key: 'to', title: 'Энская территориальная организация Электропрофсоюза', type: 'territorial', parent: null, headcount: 12000, employer: '' },
  { key: 'ppo1', title: 'ППО АО «Энскэнерго»', type: 'primary', parent: 'to', headcount: 3400, employer: 'АО «Энскэнерго»' },
  { key: 'ppo2', title: 'ППО ПАО «Энские сети»', type: 'primary', parent: 'to', headcount: 2100, employer: 'ПАО «Энские сети»' },
  { key: 'cpo1', title: 'ЦПО ТЭЦ-1', type: 'workshop', parent: 'ppo1', headcount: 640, employer: 'АО «Энскэнерго»' },
  { key: 'cpo2', title: 'ЦПО ТЭЦ-2', type: 'workshop', parent: 'ppo1', headcount: 520, employer: 'АО «Энскэнерго»' },
  { key: 'cpo3', title: 'ЦПО Северные электросети', type: 'workshop', parent: 'ppo2', headcount: 380, employer: 'ПАО «Энские сети»' },
] as const;

const MEMBERS = [
  { last: 'Тестова', first: 'Анна', second: 'Игоревна', org: 'cpo1', status: 'member' },
  { last: 'Примеров', first: 'Олег', second: 'Сергеевич', org: 'cpo2', status: 'member' },
  { last: 'Образцова', first: 'Вера', second: 'Павловна', org: 'cpo3', status: 'member' },
  { last: 'Демонстров', first: 'Илья', second: 'Андреевич', org: 'ppo2', status: 'suspended' },
] as const;

const APPLICANTS = [
  { last: 'Заявкина', first: 'Мария', second: 'Олеговна', org: 'cpo1' },
  { last: 'Новичков', first: 'Пётр', second: 'Ильич', org: 'cpo3' },
  { last: 'Вступаев', first: 'Денис', second: 'Романович', org: 'ppo1' },
] as const;

const ROLE_BY_POSITION: [RegExp, keyof RoleMapping][] = [
  [/делопроизвод/i, 'clerk'],
  [/^председатель/i, 'chairman'],
  [/заместитель/i, 'deputy'],
  [/руководител|начальник/i, 'head'],
  [/бухгалтер/i, 'accountant'],
];

async function mustBatch(rest: RestClient, commands: { method: string; params: Record<string, unknown> }[]) {
  const out = await rest.batch(commands);
  return out.map((o, i) => {
    if (!o.ok) throw new Error(`demo seed: ${commands[i]!.method} failed: ${o.error.code} ${o.error.description}`);
    return o.result;
  });
}

export async function ensureDemo(sandbox: SandboxLike, app: RunningApp): Promise<void> {
  const memberId = sandbox.memberId;
  const portal = await app.store.getPortal(memberId);
  if (!portal?.installedAt || portal.status !== 'active') {
    await sandbox.installApp();
    await app.worker.idle(60_000);
  }
  if (await app.store.getSetting<boolean>(memberId, 'demo.seeded')) return;
  const map = await app.store.getMap(memberId);
  const rest = app.pool.forPortal(memberId);
  const f = (key: string) => map[mapKeys.field(key)]!;
  const e = (key: string, xml: string) => map[mapKeys.enumItem(key, xml)]!;

  // Users and roles: the sandbox's staff, mapped by their positions.
  const users: { ID: string; WORK_POSITION?: string }[] = [];
  for await (const page of rest.walk<{ ID: string; WORK_POSITION?: string }>('user.get', { filter: { ACTIVE: true }, select: ['ID', 'WORK_POSITION'] })) users.push(...page);
  const roles: RoleMapping = { clerk: [], chairman: [], deputy: [], head: [], accountant: [] };
  for (const u of users) {
    const role = ROLE_BY_POSITION.find(([re]) => re.test(u.WORK_POSITION ?? ''))?.[1];
    if (role && !(role === 'chairman' && roles.chairman.length)) roles[role].push(Number(u.ID));
  }
  await app.store.setSetting(memberId, 'roles', roles);
  const chairman = roles.chairman[0] ?? 1;

  // Organisations, parents first (one batch per level of the hierarchy).
  const orgIds = new Map<string, number>();
  for (const level of ['territorial', 'primary', 'workshop']) {
    const orgs = ORGS.filter((o) => o.type === level);
    const results = await mustBatch(rest, orgs.map((o) => ({
      method: 'crm.item.add',
      params: {
        entityTypeId: 4,
        useOriginalUfNames: 'Y',
        fields: {
          title: o.title,
          assignedById: chairman,
          [f('company.orgType')]: e('company.orgType', o.type),
          [f('company.headcount')]: o.headcount,
          [f('company.employer')]: o.employer,
          ...(o.parent ? { [f('company.parentOrg')]: orgIds.get(o.parent) } : {}),
        },
      },
    })));
    orgs.forEach((o, i) => orgIds.set(o.key, Number((results[i] as { item: { id: number } }).item.id)));
  }

  // Members and applicants: contacts; applicants also get a deal in "Новое заявление".
  const people = [...MEMBERS.map((m) => ({ ...m, applicant: false })), ...APPLICANTS.map((a) => ({ ...a, status: 'applied' as const, applicant: true }))];
  const today = new Date().toISOString().slice(0, 10);
  const contacts = await mustBatch(rest, people.map((p) => ({
    method: 'crm.item.add',
    params: {
      entityTypeId: 3,
      useOriginalUfNames: 'Y',
      fields: {
        lastName: p.last,
        name: p.first,
        secondName: p.second,
        companyId: orgIds.get(p.org),
        ...(p.applicant ? {} : { [f('contact.status')]: e('contact.status', p.status), [f('contact.statusDate')]: '2025-01-15', ...(p.status === 'member' ? { [f('contact.joinedAt')]: '2025-01-15' } : {}) }),
      },
    },
  })));
  const category = Number(map[mapKeys.pipelineCategory('membership')]);
  const applicants = people.map((p, i) => ({ p, id: Number((contacts[i] as { item: { id: number } }).item.id) })).filter((x) => x.p.applicant);
  await mustBatch(rest, applicants.map(({ p, id }) => ({
    method: 'crm.item.add',
    params: {
      entityTypeId: 2,
      useOriginalUfNames: 'Y',
      fields: { title: `Заявление о вступлении: ${p.last} ${p.first}`, categoryId: category, contactIds: [id], companyId: orgIds.get(p.org), assignedById: chairman, [f('deal.appliedAt')]: today },
    },
  })));
  await app.store.setSetting(memberId, 'demo.seeded', true);
  app.logger.info({ orgs: orgIds.size, people: people.length }, 'demo data seeded');
}
