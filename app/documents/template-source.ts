/**
 * Where a template comes from: the portal's own version, if an admin uploaded one, else the bundled
 * file. A portal's versions live in the app's storage on its Drive (disk.storage.getForApp), in the
 * folder "Шаблоны документов", named `<key>.docx`; nothing of them is kept in SQLite.
 *
 * REST budget: the folder id is cached per portal for the process lifetime (app/crm/disk.ts), so
 * loading one or all templates costs one `disk.folder.getchildren` plus a download per override.
 * Saving replaces the file's content with `disk.file.uploadversion` (the Drive keeps the history of
 * who changed the template when); resetting deletes the file (`disk.file.delete`).
 */
import type { HandlerContext } from '../context.js';
import { appFolder, forgetFolder } from '../crm/disk.js';
import { RestError } from '../errors.js';
import { CATALOG, SAMPLE_DATA, type TemplateInput, type TemplateKey } from './catalog.js';
import { MAX_TEMPLATE_BYTES, TemplateError, bundledTemplate, renderSample } from './render.js';

export const TEMPLATE_FOLDER = 'Шаблоны документов';
const FOLDER_PATH = [TEMPLATE_FOLDER];

type Ctx = Pick<HandlerContext, 'rest' | 'portal'>;

interface DiskObject {
  ID: string | number;
  NAME: string;
  TYPE?: string;
  SIZE?: string | number;
  UPDATE_TIME?: string;
  UPDATED_BY?: string | null;
  DOWNLOAD_URL?: string;
}

export interface LoadedTemplate {
  key: TemplateKey;
  source: 'portal' | 'bundled';
  content: Buffer;
  /** The Drive file of a portal's version. */
  fileId?: number;
}

export interface TemplateStatus {
  key: TemplateKey;
  title: string;
  source: 'portal' | 'bundled';
  fileId?: number;
  updatedAt?: string;
  updatedBy?: string;
}

const isNotFound = (e: unknown) => e instanceof RestError && (e.code === 'ERROR_NOT_FOUND' || e.httpStatus === 404);

/** The template folder's files, keyed by lower-cased name. A folder deleted by hand is found again (or re-created) once. */
async function listFolder(ctx: Ctx): Promise<{ folderId: number; files: Map<string, DiskObject> }> {
  for (let attempt = 0; ; attempt++) {
    const folderId = await appFolder(ctx, FOLDER_PATH);
    try {
      const children = await ctx.rest.call<DiskObject[]>('disk.folder.getchildren', { id: folderId });
      const files = new Map<string, DiskObject>();
      for (const c of children ?? []) if ((c.TYPE ?? 'file') === 'file') files.set(c.NAME.toLowerCase(), c);
      return { folderId, files };
    } catch (e) {
      if (attempt === 0 && isNotFound(e)) {
        forgetFolder(ctx.portal.memberId, FOLDER_PATH);
        continue;
      }
      throw e;
    }
  }
}

async function download(ctx: Ctx, key: TemplateKey, file: DiskObject): Promise<Buffer> {
  const get = async (url: string | undefined) => {
    if (!url) return null;
    const res = await fetch(url);
    if (!res.ok) return null;
    const len = Number(res.headers.get('content-length') ?? 0);
    if (len > MAX_TEMPLATE_BYTES) throw new TemplateError(key, ['файл шаблона на Диске портала слишком большой']);
    return Buffer.from(await res.arrayBuffer());
  };
  // The URL from the listing carries the access token of that moment; if it has expired since,
  // ask for the file again for a fresh one.
  const first = await get(file.DOWNLOAD_URL);
  if (first) return first;
  const fresh = await ctx.rest.call<DiskObject>('disk.file.get', { id: Number(file.ID) });
  const second = await get(fresh.DOWNLOAD_URL);
  if (!second) throw new TemplateError(key, ['не удалось скачать шаблон с Диска портала']);
  return second;
}

/** Several templates at once: one folder listing, a download per portal version, bundled files for the rest. */
export async function loadTemplates<K extends TemplateKey>(ctx: Ctx, keys: readonly K[]): Promise<Record<K, LoadedTemplate>> {
  const { files } = await listFolder(ctx);
  const entries = await Promise.all(
    keys.map(async (key): Promise<[K, LoadedTemplate]> => {
      const file = files.get(CATALOG[key].file.toLowerCase());
      if (file) return [key, { key, source: 'portal', content: await download(ctx, key, file), fileId: Number(file.ID) }];
      return [key, { key, source: 'bundled', content: await bundledTemplate(key) }];
    }),
  );
  return Object.fromEntries(entries) as Record<K, LoadedTemplate>;
}

/** The portal's own version of a template if it has one, else the bundled file. */
export async function loadTemplate(ctx: Ctx, key: TemplateKey): Promise<LoadedTemplate> {
  return (await loadTemplates(ctx, [key]))[key];
}

/** Which templates a portal has replaced (for the settings page). One REST call. */
export async function templateStatuses(ctx: Ctx): Promise<TemplateStatus[]> {
  const { files } = await listFolder(ctx);
  return (Object.keys(CATALOG) as TemplateKey[]).map((key) => {
    const f = files.get(CATALOG[key].file.toLowerCase());
    return f
      ? { key, title: CATALOG[key].title, source: 'portal', fileId: Number(f.ID), updatedAt: f.UPDATE_TIME, ...(f.UPDATED_BY ? { updatedBy: String(f.UPDATED_BY) } : {}) }
      : { key, title: CATALOG[key].title, source: 'bundled' };
  });
}

/**
 * Store a portal's own version of a template. It must be a .docx whose commands are only field
 * placeholders (render.ts explains why) and that renders with the template's sample data; otherwise
 * a TemplateError lists what is wrong and nothing is uploaded.
 */
export async function saveTemplate(ctx: Ctx, key: TemplateKey, buffer: Buffer): Promise<{ fileId: number }> {
  await renderSample(key, buffer, SAMPLE_DATA[key] as TemplateInput<typeof key>);
  const name = CATALOG[key].file;
  const { folderId, files } = await listFolder(ctx);
  const existing = files.get(name.toLowerCase());
  const fileContent = [name, buffer.toString('base64')];
  if (existing) {
    // Same content twice is only a second version: safe to repeat.
    const f = await ctx.rest.call<DiskObject>('disk.file.uploadversion', { id: Number(existing.ID), fileContent }, { idempotent: true });
    return { fileId: Number(f.ID) };
  }
  const f = await ctx.rest.call<DiskObject>('disk.folder.uploadfile', { id: folderId, data: { NAME: name }, fileContent });
  return { fileId: Number(f.ID) };
}

/** Go back to the bundled template: delete the portal's version. Returns whether there was one. */
export async function resetTemplate(ctx: Ctx, key: TemplateKey): Promise<boolean> {
  const { files } = await listFolder(ctx);
  const existing = files.get(CATALOG[key].file.toLowerCase());
  if (!existing) return false;
  try {
    await ctx.rest.call('disk.file.delete', { id: Number(existing.ID) });
  } catch (e) {
    if (!isNotFound(e)) throw e; // deleted meanwhile: the result is the same
  }
  return true;
}
