/**
 * Per-portal templates on the sandbox portal's Drive: upload a template, load it back, replace it,
 * reset to the bundled file; refuse what is not a usable .docx.
 */
import { readFile } from 'node:fs/promises';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMISSION_KEYS, CATALOG, SAMPLE_ADMISSION, SAMPLE_DATA } from '../../app/documents/catalog.js';
import { TemplateError, renderAdmissionSet, renderDocument } from '../../app/documents/render.js';
import { TEMPLATE_FOLDER, loadTemplate, loadTemplates, resetTemplate, saveTemplate, templateStatuses } from '../../app/documents/template-source.js';
import { createLogger } from '../../app/logger.js';
import { createRestPool } from '../../app/rest/pool.js';
import type { RestClient } from '../../app/rest/types.js';
import type { Portal, Store } from '../../app/store/types.js';
import { startSandbox } from '../../sandbox/index.js';
import { documentSpec } from '../../templates/src/dsl.js';
import { b, buildDocx, p, t } from '../../templates/src/ooxml.js';

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;
let sb: Sandbox;
let ctx: { rest: RestClient; portal: Portal };
/**
 * The app's own REST client (pool, OAuth refresh, counting) against a sandbox portal, with the
 * tokens an admin's session gets: nothing else of the app is needed to exercise the Drive code.
 */
beforeAll(async () => {
  sb = await startSandbox({
    port: 0,
    rateLimit: false,
    app: { clientId: 'local.test.du', clientSecret: 'test-secret', installUrl: 'http://127.0.0.1:9/install', handlerUrl: 'http://127.0.0.1:9/app', scope: 'crm,disk,user_brief' },
  });
  const tokens = sb.issueUserToken(1);
  const now = Date.now();
  const portal: Portal = {
    memberId: sb.memberId,
    domain: sb.domain,
    clientEndpoint: sb.clientEndpoint,
    serverEndpoint: sb.serverEndpoint,
    applicationToken: 'app-token',
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: now + tokens.expiresIn * 1000,
    scope: 'crm,disk,user_brief',
    status: 'active',
    statusReason: null,
    installedAt: now,
    appVersion: '1',
    updatedAt: now,
  };
  // The REST layer reads the portal and saves refreshed tokens; nothing else of the store is used.
  const store = {
    getPortal: async (memberId: string) => (memberId === portal.memberId ? { ...portal } : undefined),
    saveTokens: async (_memberId: string, t: { accessToken: string; refreshToken: string; expiresAt: number }) => {
      Object.assign(portal, t);
    },
    setPortalStatus: async () => undefined,
  } as unknown as Store;
  const pool = createRestPool({ store, oauthTokenUrl: sb.oauthTokenUrl, clientId: 'local.test.du', clientSecret: 'test-secret', logger: createLogger('silent'), rateLimit: false });
  ctx = { rest: pool.forPortal(sb.memberId), portal };
});
afterAll(async () => {
  await sb?.close();
});

const customTemplate = (marker: string) =>
  buildDocx(documentSpec('Своё заявление', 12, [p([b(marker)]), p([t('Заявитель: '), t('+++INS applicant.fullName+++'), t(', '), t('+++INS applicant.birthDate+++')])]));

async function textOf(docx: Buffer): Promise<string> {
  const xml = (await (await JSZip.loadAsync(docx)).file('word/document.xml')!.async('string')) ?? '';
  return [...xml.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join('');
}

const folderFiles = () => {
  const st = sb.state.disk;
  const folder = st.objects.find((o) => o.type === 'folder' && o.name === TEMPLATE_FOLDER);
  return folder ? st.objects.filter((o) => o.parentId === folder.id).map((o) => o.name) : [];
};

describe('per-portal document templates on the portal Drive', () => {
  it('uses the bundled template while the portal has none', async () => {
    const loaded = await loadTemplate(ctx, 'application-to-join');
    expect(loaded.source).toBe('bundled');
    expect(loaded.content.equals(await readFile(new URL(`../../templates/${CATALOG['application-to-join'].file}`, import.meta.url)))).toBe(true);
    // The folder "Шаблоны документов" is in the app's storage.
    const storage = sb.state.disk.storage!;
    const folder = sb.state.disk.objects.find((o) => o.name === TEMPLATE_FOLDER)!;
    expect(folder.parentId).toBe(storage.rootObjectId);
  });

  it('uploads a portal\'s own template and renders with it', async () => {
    const custom = await customTemplate('СВОЙ ШАБЛОН ПОРТАЛА');
    const { fileId } = await saveTemplate(ctx, 'application-to-join', custom);
    expect(folderFiles()).toEqual(['application-to-join.docx']);
    const loaded = await loadTemplate(ctx, 'application-to-join');
    expect(loaded).toMatchObject({ source: 'portal', fileId });
    expect(loaded.content.equals(custom)).toBe(true);
    const text = await textOf(await renderDocument('application-to-join', SAMPLE_DATA['application-to-join'], loaded.content));
    expect(text).toContain('СВОЙ ШАБЛОН ПОРТАЛА');
    expect(text).toContain('Заявитель: Иванова Анна Сергеевна, 05.03.1990');
  });

  it('replaces it in place on a second upload (a new version of the same file)', async () => {
    const before = folderFiles();
    const second = await customTemplate('ВТОРАЯ ВЕРСИЯ');
    await saveTemplate(ctx, 'application-to-join', second);
    expect(folderFiles()).toEqual(before);
    expect((await loadTemplate(ctx, 'application-to-join')).content.equals(second)).toBe(true);
  });

  it('loads the admission set\'s templates with one REST call once the folder is known', async () => {
    ctx.rest.resetCounts();
    sb.resetStats();
    const templates = await loadTemplates(ctx, ADMISSION_KEYS);
    // One disk.folder.getchildren; the portal also saw the download of the one portal version.
    expect(ctx.rest.counts()).toMatchObject({ requests: 1, methods: { 'disk.folder.getchildren': 1 } });
    expect(sb.stats.requests).toBe(2);
    expect(Object.values(templates).map((x) => [x.key, x.source])).toEqual([
      ['application-to-join', 'portal'],
      ['consent-processing', 'bundled'],
      ['consent-distribution', 'bundled'],
      ['dues-deduction', 'bundled'],
    ]);
    const docs = await renderAdmissionSet(SAMPLE_ADMISSION, Object.fromEntries(Object.entries(templates).map(([k, v]) => [k, v.content])));
    expect(await textOf(docs[0]!.content)).toContain('ВТОРАЯ ВЕРСИЯ');
    expect(await textOf(docs[1]!.content)).toContain('Согласие'.toUpperCase());
    const statuses = await templateStatuses(ctx);
    expect(statuses.filter((s) => s.source === 'portal').map((s) => s.key)).toEqual(['application-to-join']);
  });

  it('refuses a file that is not a .docx, or a template with code in it, and uploads nothing', async () => {
    const before = sb.state.files.length;
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    await expect(saveTemplate(ctx, 'consent-processing', png)).rejects.toThrow(TemplateError);
    await expect(saveTemplate(ctx, 'consent-processing', png)).rejects.toThrow(/Шаблон «Согласие на обработку персональных данных» не подходит: это не файл \.docx/);
    const withCode = await buildDocx(documentSpec('x', 12, [p('+++EXEC require("child_process").execSync("id")+++'), p('+++INS applicant.fullName+++')]));
    await expect(saveTemplate(ctx, 'consent-processing', withCode)).rejects.toThrow(/команда EXEC не разрешена/);
    const wrongField = await buildDocx(documentSpec('x', 12, [p('+++INS applicant.passport+++')]));
    await expect(saveTemplate(ctx, 'consent-processing', wrongField)).rejects.toThrow(/неизвестное поле «applicant.passport»/);
    expect(sb.state.files.length).toBe(before);
    expect(folderFiles()).toEqual(['application-to-join.docx']);
  });

  it('resets to the bundled template', async () => {
    expect(await resetTemplate(ctx, 'application-to-join')).toBe(true);
    expect(folderFiles()).toEqual([]);
    const loaded = await loadTemplate(ctx, 'application-to-join');
    expect(loaded.source).toBe('bundled');
    expect(await resetTemplate(ctx, 'application-to-join')).toBe(false);
  });

  it('finds the folder again when it was deleted by hand', async () => {
    const st = sb.state.disk;
    const folder = st.objects.find((o) => o.type === 'folder' && o.name === TEMPLATE_FOLDER)!;
    st.objects.splice(st.objects.indexOf(folder), 1);
    expect((await loadTemplate(ctx, 'resolution')).source).toBe('bundled');
    await saveTemplate(ctx, 'resolution', await readFile(new URL('../../templates/resolution.docx', import.meta.url)));
    expect(folderFiles()).toEqual(['resolution.docx']);
    expect((await loadTemplate(ctx, 'resolution')).source).toBe('portal');
  });
});
