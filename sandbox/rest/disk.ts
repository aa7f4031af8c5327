/** disk.storage.getForApp, disk.folder.addsubfolder/uploadfile/getchildren/get, disk.file.get/uploadversion/delete. */
import { formatIso } from '../clock.js';
import { RestFault, faults } from '../errors.js';
import { asFilePair, findFile, storeFile } from '../files.js';
import { nextId } from '../ids.js';
import type { DiskObjectRec, DiskStorageRec } from '../types.js';
import { asInt, asObject, asString, ok, pick, requireAdmin, type CallContext, type Params, type Registry } from './registry.js';

function downloadToken(objectId: number): string {
  return encodeURIComponent(`disk|${Buffer.from(`id=${objectId}`).toString('base64')}`);
}

export function objectJson(ctx: CallContext, o: DiskObjectRec): Record<string, unknown> {
  const base = {
    ID: o.id,
    NAME: o.name,
    CODE: null,
    STORAGE_ID: String(o.storageId),
    TYPE: o.type,
    ...(o.type === 'folder' ? { REAL_OBJECT_ID: o.id } : {}),
    PARENT_ID: o.parentId === null ? null : String(o.parentId),
    DELETED_TYPE: 0,
  };
  const tail = {
    CREATE_TIME: formatIso(o.createdAt),
    UPDATE_TIME: formatIso(o.updatedAt),
    DELETE_TIME: null,
    CREATED_BY: String(o.createdBy),
    UPDATED_BY: String(o.createdBy),
    DELETED_BY: null,
  };
  const detail = `${ctx.portal.urls.portalUrl}/company/personal/user/${o.createdBy}/disk/path/${encodeURIComponent(o.name)}`;
  if (o.type === 'folder') return { ...base, ...tail, DETAIL_URL: detail };
  const auth = ctx.caller.accessToken ? `auth=${ctx.caller.accessToken}&` : '';
  return {
    ...base,
    GLOBAL_CONTENT_VERSION: 1,
    FILE_ID: o.fileId,
    SIZE: String(o.size),
    ...tail,
    DOWNLOAD_URL: `${ctx.portal.urls.portalUrl}/rest/download.json?${auth}token=${downloadToken(o.id)}`,
    DETAIL_URL: detail,
  };
}

function storageFor(ctx: CallContext): DiskStorageRec {
  const { state } = ctx.portal;
  if (state.disk.storage) return state.disk.storage;
  // The app storage is created on the first call.
  const storageId = nextId(state, 'diskStorage', 1300);
  const root: DiskObjectRec = {
    id: nextId(state, 'diskObject', 8900),
    type: 'folder',
    name: ctx.portal.opts.app.code,
    parentId: null,
    storageId,
    fileId: null,
    size: 0,
    createdBy: ctx.caller.userId ?? 1,
    createdAt: ctx.portal.clock.now(),
    updatedAt: ctx.portal.clock.now(),
  };
  state.disk.objects.push(root);
  state.disk.storage = { id: storageId, name: ctx.portal.opts.app.code, rootObjectId: root.id };
  return state.disk.storage;
}

function object(ctx: CallContext, id: number | null, type: DiskObjectRec['type']): DiskObjectRec {
  const o = ctx.portal.state.disk.objects.find((x) => x.id === id && x.type === type);
  if (!o) throw new RestFault('ERROR_NOT_FOUND', `Could not find entity with id '${String(id)}'`, 404);
  return o;
}

function nameTaken(ctx: CallContext, parentId: number, name: string): boolean {
  return ctx.portal.state.disk.objects.some((o) => o.parentId === parentId && o.name.toLowerCase() === name.toLowerCase());
}

function uniqueName(ctx: CallContext, parentId: number, name: string): string {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  let candidate = name;
  for (let i = 1; nameTaken(ctx, parentId, candidate); i += 1) candidate = `${stem} (${i})${ext}`;
  return candidate;
}

function newObject(ctx: CallContext, parent: DiskObjectRec, type: DiskObjectRec['type'], name: string, fileId: number | null, size: number) {
  const now = ctx.portal.clock.now();
  const o: DiskObjectRec = {
    id: nextId(ctx.portal.state, 'diskObject', 8900),
    type,
    name,
    parentId: parent.id,
    storageId: parent.storageId,
    fileId,
    size,
    createdBy: ctx.caller.userId ?? 1,
    createdAt: now,
    updatedAt: now,
  };
  ctx.portal.state.disk.objects.push(o);
  return o;
}

const notUnique = () => new RestFault('DISK_OBJ_22000', 'Имя не уникально: в папке уже есть объект с таким именем', 400);

function addSubfolder(ctx: CallContext, params: Params) {
  const parent = object(ctx, asInt(pick(params, 'id', 'ID')), 'folder');
  const name = asString(asObject(pick(params, 'data', 'DATA'))?.['NAME']);
  if (!name) throw new RestFault('ERROR_ARGUMENT', "Argument 'NAME' is null or empty", 400, { argument: 'NAME' });
  if (nameTaken(ctx, parent.id, name)) throw notUnique();
  return ok(objectJson(ctx, newObject(ctx, parent, 'folder', name, null, 0)));
}

function uploadFile(ctx: CallContext, params: Params) {
  const parent = object(ctx, asInt(pick(params, 'id', 'ID')), 'folder');
  const data = asObject(pick(params, 'data', 'DATA')) ?? {};
  const content = asFilePair(pick(params, 'fileContent', 'FILE_CONTENT'));
  if (!content) {
    // Without fileContent the portal hands out a URL for a multipart upload.
    return ok({ field: 'file', uploadUrl: `${ctx.portal.urls.portalUrl}/rest/upload.json?folder=${parent.id}` });
  }
  let name = asString(data['NAME']) || content[0];
  const generate = [true, 'true', 'Y', '1', 1].includes(pick(params, 'generateUniqueName') as never);
  if (nameTaken(ctx, parent.id, name)) {
    if (!generate) throw notUnique();
    name = uniqueName(ctx, parent.id, name);
  }
  const stored = storeFile(ctx.portal, name, content[1]);
  return ok(objectJson(ctx, newObject(ctx, parent, 'file', name, stored.id, stored.size)));
}

/**
 * disk.file.uploadversion {id, fileContent: [name, base64]}: a new version of the same Drive file
 * (same ID and name; the portal keeps the old versions, the sandbox keeps only the content).
 * The answer has the structure of disk.file.get.
 */
function uploadVersion(ctx: CallContext, params: Params) {
  const o = object(ctx, asInt(pick(params, 'id', 'ID')), 'file');
  const content = asFilePair(pick(params, 'fileContent', 'FILE_CONTENT'));
  if (!content) throw new RestFault('ERROR_ARGUMENT', "Argument 'fileContent' is null or empty", 400, { argument: 'fileContent' });
  // The file keeps its name; the uploaded name is only the version's.
  const stored = storeFile(ctx.portal, o.name, content[1]);
  o.fileId = stored.id;
  o.size = stored.size;
  o.updatedAt = ctx.portal.clock.now();
  return ok(objectJson(ctx, o));
}

/** disk.file.delete {id}: destroys the file for good (not to the trash: that is disk.file.markdeleted) → true. */
function deleteFile(ctx: CallContext, params: Params) {
  const o = object(ctx, asInt(pick(params, 'id', 'ID')), 'file');
  const objects = ctx.portal.state.disk.objects;
  objects.splice(objects.indexOf(o), 1);
  return ok(true);
}

export function diskFileByObjectId(ctx: { portal: CallContext['portal'] }, objectId: number) {
  const o = ctx.portal.state.disk.objects.find((x) => x.id === objectId && x.type === 'file');
  return o && o.fileId !== null ? findFile(ctx.portal, o.fileId) : undefined;
}

export function registerDisk(registry: Registry): void {
  registry.add('disk.storage.getforapp', {
    scopes: ['disk'],
    appContext: 'ACCESS_DENIED',
    handler: (ctx) => {
      requireAdmin(ctx, faults.accessDenied('Access denied', 403));
      const s = storageFor(ctx);
      return ok({
        ID: String(s.id),
        NAME: s.name,
        CODE: null,
        MODULE_ID: 'disk',
        ENTITY_TYPE: 'restapp',
        ENTITY_ID: '1',
        ROOT_OBJECT_ID: String(s.rootObjectId),
      });
    },
  });
  registry.add('disk.folder.addsubfolder', { scopes: ['disk'], handler: addSubfolder });
  registry.add('disk.folder.uploadfile', { scopes: ['disk'], notInBatch: true, handler: uploadFile });
  registry.add('disk.folder.get', { scopes: ['disk'], handler: (ctx, p) => ok(objectJson(ctx, object(ctx, asInt(pick(p, 'id', 'ID')), 'folder'))) });
  registry.add('disk.folder.getchildren', {
    scopes: ['disk'],
    handler: (ctx, p) => {
      const folder = object(ctx, asInt(pick(p, 'id', 'ID')), 'folder');
      return ok(ctx.portal.state.disk.objects.filter((o) => o.parentId === folder.id).map((o) => objectJson(ctx, o)));
    },
  });
  registry.add('disk.file.get', { scopes: ['disk'], handler: (ctx, p) => ok(objectJson(ctx, object(ctx, asInt(pick(p, 'id', 'ID')), 'file'))) });
  registry.add('disk.file.uploadversion', { scopes: ['disk'], notInBatch: true, handler: uploadVersion });
  registry.add('disk.file.delete', { scopes: ['disk'], handler: deleteFile });
}
