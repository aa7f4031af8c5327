/**
 * The app's own storage on the portal's Drive (disk.storage.getForApp): folders by path, created on
 * first use, and file uploads. Folder ids are cached per portal for the process lifetime; a folder
 * deleted by hand is found missing on the next upload and created again.
 */
import type { HandlerContext } from '../context.js';
import { RestError } from '../errors.js';
import { isWebhookPortal, webhookDriveStorageRoot } from '../webhook-mode.js';

type Ctx = Pick<HandlerContext, 'rest' | 'portal'>;
interface DiskObject {
  ID: string;
  NAME: string;
  TYPE?: string;
}

const folderCache = new Map<string, number>();

async function childFolder(ctx: Ctx, parentId: number, name: string): Promise<number> {
  const children = await ctx.rest.call<DiskObject[]>('disk.folder.getchildren', { id: parentId });
  const found = children.find((c) => c.NAME === name && (c.TYPE ?? 'folder') === 'folder');
  if (found) return Number(found.ID);
  try {
    const made = await ctx.rest.call<DiskObject>('disk.folder.addsubfolder', { id: parentId, data: { NAME: name } });
    return Number(made.ID);
  } catch (err) {
    // Created meanwhile (or by a retried call whose answer was lost): read it again.
    if (err instanceof RestError && /DISK_OBJ_22000|not unique|не уникально/i.test(`${err.code} ${err.message}`)) {
      const again = (await ctx.rest.call<DiskObject[]>('disk.folder.getchildren', { id: parentId })).find((c) => c.NAME === name);
      if (again) return Number(again.ID);
    }
    throw err;
  }
}

/** The folder at `path` under the app's storage root, e.g. ["Заявления", "Сделка 42"]. */
export async function appFolder(ctx: Ctx, path: string[]): Promise<number> {
  const cacheKey = `${ctx.portal.memberId}|${path.join('/')}`;
  const cached = folderCache.get(cacheKey);
  if (cached) return cached;
  let id: number;
  if (isWebhookPortal(ctx.portal)) {
    // No app storage without an app: a folder on the webhook user's Drive (app/webhook-mode.ts).
    const drive = await webhookDriveStorageRoot(ctx);
    id = await childFolder(ctx, drive.rootId, drive.folder);
  } else {
    const storage = await ctx.rest.call<{ ROOT_OBJECT_ID: string }>('disk.storage.getforapp', {});
    id = Number(storage.ROOT_OBJECT_ID);
  }
  for (const name of path) id = await childFolder(ctx, id, name);
  folderCache.set(cacheKey, id);
  return id;
}

export function forgetFolder(memberId: string, path: string[]): void {
  folderCache.delete(`${memberId}|${path.join('/')}`);
}

/** Upload (not batchable on the portal). A same-named file gets a unique name rather than an error. */
export async function uploadToFolder(ctx: Ctx, folderId: number, name: string, content: Buffer): Promise<{ id: number; name: string }> {
  const file = await ctx.rest.call<DiskObject>('disk.folder.uploadfile', {
    id: folderId,
    data: { NAME: name },
    fileContent: [name, content.toString('base64')],
    generateUniqueName: true,
  });
  return { id: Number(file.ID), name: file.NAME };
}
