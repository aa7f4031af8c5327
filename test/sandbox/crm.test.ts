/** CRM records: paging, filters, stages and pipelines, user-field naming, files, shared legacy/universal store. */
import { afterEach, describe, expect, it } from 'vitest';
import { ufCamelName } from '../../sandbox/crm/fields.js';
import { compileFilter } from '../../sandbox/crm/filter.js';
import { ok, startHarness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('user-field names', () => {
  it('follows the documented camelCase rules', () => {
    expect(ufCamelName('UF_CRM_10_5186744711')).toBe('ufCrm10_5186744711');
    expect(ufCamelName('UF_CRM_10_DIGIT')).toBe('ufCrm10Digit');
    expect(ufCamelName('UF_CRM_3_DIGIT10')).toBe('ufCrm_3_DIGIT10');
    expect(ufCamelName('UF_CRM_1747309879')).toBe('ufCrm_1747309879');
    expect(ufCamelName('UF_CRM_MANAGER_NOTE')).toBe('ufCrmManagerNote');
  });
});

describe('filter operators', () => {
  const row = { id: 5, title: 'Заявление о вступлении', stageId: 'NEW', sum: 100, flag: 'Y', created: '2025-03-01T10:00:00+03:00', ids: [1, 2] };
  const match = (filter: unknown) => compileFilter(filter, { resolve: (f) => f })((k) => (row as Record<string, unknown>)[k]);
  it('supports every prefix and OR groups', () => {
    expect(match({ '>=id': 5, '<id': 6, '>sum': 99, '<=sum': 100 })).toBe(true);
    expect(match({ '@stageId': ['NEW', 'X'], '!@stageId': ['Y'] })).toBe(true);
    expect(match({ '%title': 'вступл' })).toBe(true);
    expect(match({ '=%title': '%вступлении' })).toBe(true);
    expect(match({ '!%title': 'выход' })).toBe(true);
    expect(match({ '!=stageId': 'NEW' })).toBe(false);
    expect(match({ '!stageId': 'WON' })).toBe(true);
    expect(match({ flag: 1 })).toBe(true);
    expect(match({ ids: 2 })).toBe(true);
    expect(match({ '>=created': '2025-03-01', '<created': '2025-03-02T00:00:00+03:00' })).toBe(true);
    expect(match({ 0: { logic: 'OR', 0: { stageId: 'X' }, 1: { id: 5 } } })).toBe(true);
    expect(match({ 0: { logic: 'OR', 0: { stageId: 'X' }, 1: { id: 6 } } })).toBe(false);
  });
});

describe('lists and paging', () => {
  it('keyset walk with start=-1 (no count) and offset paging with total/next', async () => {
    h = await startHarness();
    for (let b = 0; b < 3; b += 1) {
      const n = b < 2 ? 50 : 20;
      const cmd = Object.fromEntries(Array.from({ length: n }, (_, i) => [`d${i}`, `crm.item.add?entityTypeId=2&fields[title]=Deal ${b * 50 + i}`]));
      await ok(h, 'batch', { cmd });
    }
    const pages: number[] = [];
    let lastId = 0;
    for (;;) {
      const { body } = await h.rest('crm.item.list', { entityTypeId: 2, order: { id: 'ASC' }, filter: { '>id': lastId }, select: ['id'], start: -1 });
      expect(body.total).toBe(0);
      expect(body.next).toBeUndefined();
      pages.push(body.result.items.length);
      if (body.result.items.length < 50) break;
      lastId = body.result.items.at(-1).id;
    }
    expect(pages).toEqual([50, 50, 20]);

    const first = await h.rest('crm.deal.list', { select: ['ID'], order: { ID: 'ASC' } });
    expect([first.body.total, first.body.next, first.body.result.length]).toEqual([120, 50, 50]);
    const last = await h.rest('crm.deal.list', { select: ['ID'], start: 100 });
    expect([last.body.total, last.body.next, last.body.result.length]).toEqual([120, undefined, 20]);
    const legacyKeyset = await h.rest('crm.deal.list', { order: { ID: 'ASC' }, filter: { '>ID': 110 }, select: ['ID'], start: -1 });
    expect(legacyKeyset.body.result.map((d: any) => d.ID)).toEqual(Array.from({ length: 10 }, (_, i) => String(111 + i)));

    const users = await h.rest('user.get', { FILTER: { UF_DEPARTMENT: 4 }, start: -1 });
    expect(users.body.result.map((u: any) => u.ID)).toEqual(['5', '8', '10']);
    expect(users.body.next).toBeUndefined();
  });
});

describe('stages and pipelines', () => {
  it('keeps stage bookkeeping with the virtual clock', async () => {
    h = await startHarness();
    h.sb.clock.set(Date.parse('2025-01-10T09:00:00+03:00'));
    const deal = (await ok(h, 'crm.item.add', { entityTypeId: 2, fields: { title: 'Сделка' } })).item;
    expect(deal).toMatchObject({ stageId: 'NEW', categoryId: 0, createdTime: '2025-01-10T09:00:00+03:00', movedTime: '2025-01-10T09:00:00+03:00' });
    h.sb.clock.advance(3_600_000);
    const token5 = h.sb.issueUserToken(5).accessToken;
    const won = (await ok(h, 'crm.item.update', { entityTypeId: 2, id: deal.id, fields: { stageId: 'WON' } }, { token: token5 })).item;
    expect(won).toMatchObject({
      stageId: 'WON',
      previousStageId: 'NEW',
      stageSemanticId: 'S',
      closed: 'Y',
      movedBy: 5,
      updatedBy: 5,
      movedTime: '2025-01-10T10:00:00+03:00',
      createdTime: '2025-01-10T09:00:00+03:00',
    });
    const bad = await h.rest('crm.item.update', { entityTypeId: 2, id: deal.id, fields: { stageId: 'C77:NEW' } });
    expect(bad.status).toBe(400);
  });

  it('moves deals between pipelines only through crm.item.update', async () => {
    h = await startHarness();
    const cat = (await ok(h, 'crm.category.add', { entityTypeId: 2, fields: { name: 'Матпомощь' } })).category;
    const stages = await ok(h, 'crm.status.list', { filter: { ENTITY_ID: `DEAL_STAGE_${cat.id}` } });
    expect(stages.map((s: any) => s.STATUS_ID)).toEqual(
      ['NEW', 'PREPARATION', 'PREPAYMENT_INVOICE', 'EXECUTING', 'FINAL_INVOICE', 'WON', 'LOSE', 'APOLOGY'].map((c) => `C${cat.id}:${c}`),
    );
    const id = await ok(h, 'crm.deal.add', { fields: { TITLE: 'Заявка' } });
    await ok(h, 'crm.deal.update', { id, fields: { CATEGORY_ID: cat.id } });
    expect((await ok(h, 'crm.deal.get', { id })).CATEGORY_ID).toBe('0');
    const moved = (await ok(h, 'crm.item.update', { entityTypeId: 2, id, fields: { categoryId: cat.id } })).item;
    expect(moved).toMatchObject({ categoryId: cat.id, stageId: `C${cat.id}:NEW` });
    // A stage alone picks its pipeline on add.
    const direct = (await ok(h, 'crm.item.add', { entityTypeId: 2, fields: { stageId: `C${cat.id}:EXECUTING` } })).item;
    expect(direct.categoryId).toBe(cat.id);
  });

  it('smart processes: default pipeline, DT stages, items, delete rules', async () => {
    h = await startHarness();
    const type = (await ok(h, 'crm.type.add', { fields: { title: 'Заявления', entityTypeId: 1036, isStagesEnabled: 'Y' } })).type;
    const [cat] = (await ok(h, 'crm.category.list', { entityTypeId: 1036 })).categories;
    expect(cat).toMatchObject({ isDefault: 'Y', entityTypeId: 1036 });
    const item = (await ok(h, 'crm.item.add', { entityTypeId: 1036, fields: { title: 'Заявление 1', unknownField: 1 } })).item;
    expect(item.stageId).toBe(`DT1036_${cat.id}:NEW`);
    expect(item).not.toHaveProperty('unknownField');
    const del = await h.rest('crm.type.delete', { id: type.id });
    expect([del.status, del.body.error]).toEqual([400, 'BX_ERROR']);
    expect(await ok(h, 'crm.item.delete', { entityTypeId: 1036, id: item.id })).toEqual([]);
    expect(await ok(h, 'crm.type.delete', { id: type.id })).toEqual([]);
    expect((await h.rest('crm.item.list', { entityTypeId: 1036 })).body.error).toBe('NOT_FOUND');
  });
});

describe('records', () => {
  it('crm.item and legacy methods share records; fm ↔ PHONE/EMAIL', async () => {
    h = await startHarness();
    const contact = (
      await ok(h, 'crm.item.add', {
        entityTypeId: 3,
        fields: { name: 'Анна', lastName: 'Тестова', fm: [{ typeId: 'PHONE', valueType: 'WORK', value: '+70000000001' }] },
      })
    ).item;
    expect(contact.fm).toEqual([expect.objectContaining({ typeId: 'PHONE', value: '+70000000001' })]);
    const legacy = await ok(h, 'crm.contact.get', { id: contact.id });
    expect(legacy).toMatchObject({ NAME: 'Анна', LAST_NAME: 'Тестова', HAS_PHONE: 'Y' });
    expect(legacy.PHONE[0]).toMatchObject({ VALUE: '+70000000001', VALUE_TYPE: 'WORK', TYPE_ID: 'PHONE' });
    await ok(h, 'crm.contact.update', { id: contact.id, fields: { EMAIL: [{ VALUE: 'anna@example.test', VALUE_TYPE: 'WORK' }] } });
    const listed = await ok(h, 'crm.item.list', { entityTypeId: 3, select: ['*'] });
    expect(listed.items[0].fm.map((f: any) => f.typeId)).toEqual(['PHONE', 'EMAIL']);
    const noFm = await ok(h, 'crm.item.list', { entityTypeId: 3, select: ['id', 'name'] });
    expect(noFm.items[0]).toEqual({ id: contact.id, name: 'Анна' });
    const byPhone = await ok(h, 'crm.contact.list', { filter: { PHONE: '+70000000001' }, select: ['ID'] });
    expect(byPhone).toEqual([{ ID: String(contact.id) }]);
    await ok(h, 'crm.contact.delete', { id: contact.id });
    expect((await h.rest('crm.item.get', { entityTypeId: 3, id: contact.id })).body.error).toBe('NOT_FOUND');
  });

  it('user fields: UF_CRM_ naming, defaults, enumeration, useOriginalUfNames, multiple must be arrays', async () => {
    h = await startHarness();
    const bad = await h.rest('crm.deal.userfield.add', { fields: { FIELD_NAME: 'bad-name', USER_TYPE_ID: 'string' } });
    expect(bad.body.error).toBe('ERROR_CORE');
    const long = await h.rest('crm.deal.userfield.add', { fields: { FIELD_NAME: 'X'.repeat(44), USER_TYPE_ID: 'string' } });
    expect(long.body.error).toBe('ERROR_CORE');
    await ok(h, 'crm.deal.userfield.add', { fields: { FIELD_NAME: 'uf_member_status', USER_TYPE_ID: 'enumeration', LIST: [{ VALUE: 'Член' , DEF: 'Y' }, { VALUE: 'Не член' }] } });
    await ok(h, 'crm.deal.userfield.add', { fields: { FIELD_NAME: 'TAGS', USER_TYPE_ID: 'string', MULTIPLE: 'Y' } });
    const [uf] = await ok(h, 'crm.deal.userfield.list', { filter: { FIELD_NAME: 'UF_CRM_MEMBER_STATUS' } });
    expect(uf.FIELD_NAME).toBe('UF_CRM_MEMBER_STATUS');
    const fields = (await ok(h, 'crm.item.fields', { entityTypeId: 2 })).fields;
    expect(fields.ufCrmMemberStatus).toMatchObject({ type: 'enumeration', upperName: 'UF_CRM_MEMBER_STATUS', isDynamic: true });
    const item = (await ok(h, 'crm.item.add', { entityTypeId: 2, fields: { title: 'x' } })).item;
    expect(item.ufCrmMemberStatus).toBe(Number(uf.LIST[0].ID));
    expect(item.ufCrmTags).toEqual([]);
    const notIterable = await h.rest('crm.item.update', { entityTypeId: 2, id: item.id, fields: { ufCrmTags: 'one' } });
    expect([notIterable.status, notIterable.body.error]).toEqual([400, '100']);
    const orig = await ok(h, 'crm.item.update', { entityTypeId: 2, id: item.id, useOriginalUfNames: 'Y', fields: { UF_CRM_TAGS: ['a', 'b'] } });
    expect(orig.item.UF_CRM_TAGS).toEqual(['a', 'b']);
    expect((await ok(h, 'crm.deal.get', { id: item.id })).UF_CRM_TAGS).toEqual(['a', 'b']);
    const filtered = await ok(h, 'crm.item.list', { entityTypeId: 2, filter: { ufCrmTags: 'b' }, select: ['id'] });
    expect(filtered.items).toEqual([{ id: item.id }]);
  });

  it('file fields: base64 in, {id,url,urlMachine} out, keep by id, clear', async () => {
    h = await startHarness();
    await ok(h, 'crm.deal.userfield.add', { fields: { FIELD_NAME: 'SCAN', USER_TYPE_ID: 'file' } });
    await ok(h, 'crm.deal.userfield.add', { fields: { FIELD_NAME: 'DOCS', USER_TYPE_ID: 'file', MULTIPLE: 'Y' } });
    const b64 = Buffer.from('%PDF-1.4 sandbox').toString('base64');
    const item = (await ok(h, 'crm.item.add', { entityTypeId: 2, fields: { ufCrmScan: ['a.pdf', b64], ufCrmDocs: [['1.pdf', b64], ['2.pdf', b64]] } })).item;
    expect(item.ufCrmScan).toEqual({ id: expect.any(Number), url: expect.any(String), urlMachine: expect.stringContaining('/rest/crm.controller.item.getFile.json?auth=') });
    expect(await (await fetch(item.ufCrmScan.urlMachine)).text()).toBe('%PDF-1.4 sandbox');
    const [d1, d2] = item.ufCrmDocs;
    const kept = (
      await ok(h, 'crm.item.update', { entityTypeId: 2, id: item.id, fields: { ufCrmScan: { id: item.ufCrmScan.id }, ufCrmDocs: [{ id: d2.id }, ['3.pdf', b64]] } })
    ).item;
    expect(kept.ufCrmScan.id).toBe(item.ufCrmScan.id);
    expect(kept.ufCrmDocs.map((f: any) => f.id)).toEqual([d2.id, expect.any(Number)]);
    expect(kept.ufCrmDocs.map((f: any) => f.id)).not.toContain(d1.id);
    const cleared = (await ok(h, 'crm.item.update', { entityTypeId: 2, id: item.id, fields: { ufCrmScan: '', ufCrmDocs: [] } })).item;
    expect([cleared.ufCrmScan, cleared.ufCrmDocs]).toEqual([null, []]);
    const legacy = await ok(h, 'crm.deal.update', { id: item.id, fields: { UF_CRM_SCAN: { fileData: ['b.pdf', b64] } } });
    expect(legacy).toBe(true);
    expect((await ok(h, 'crm.deal.get', { id: item.id })).UF_CRM_SCAN).toMatchObject({ id: expect.any(Number), showUrl: expect.stringMatching(/^\/bitrix\//) });
  });

  it('parentId fields exist only for configured relations', async () => {
    h = await startHarness();
    await ok(h, 'crm.type.add', { fields: { title: 'Родитель', entityTypeId: 1040, relations: { child: [{ entityTypeId: 2, isChildrenListEnabled: 'true' }] } } });
    const parent = (await ok(h, 'crm.item.add', { entityTypeId: 1040, fields: { title: 'P' } })).item;
    const child = (await ok(h, 'crm.item.add', { entityTypeId: 2, fields: { parentId1040: parent.id, parentId9999: 1 } })).item;
    expect(child.parentId1040).toBe(parent.id);
    expect(child).not.toHaveProperty('parentId9999');
    expect((await ok(h, 'crm.deal.get', { id: child.id })).PARENT_ID_1040).toBe(String(parent.id));
  });
});
