/**
 * disk.storage.getlist: users' own Drives ("Мой диск"), what an inbound webhook uses instead of the
 * app storage (disk.storage.getForApp needs an app context). A user's storage is made on first use,
 * as the portal does when the user first opens their Drive; its root folder's id is remembered in
 * the state's sequences (`diskUserRoot.<userId>`), so it survives a snapshot reload.
 * Filter: `ENTITY_TYPE` (`user`), `ENTITY_ID` (user id), `ID`; without a filter, the caller's own.
 */
import { RestFault } from '../errors.js';
import { nextId } from '../ids.js';
import type { DiskObjectRec } from '../types.js';
import { asObject, asString, isAdmin, ok, pick, type CallContext, type Params, type Registry } from './registry.js';

const rootKey = (userId: number) => `diskUserRoot.${userId}`;

function userRoot(ctx: CallContext, userId: number): DiskObjectRec {
  const { state } = ctx.portal;
  const known = state.seq[rootKey(userId)];
  const existing = known === undefined ? undefined : state.disk.objects.find((o) => o.id === known && o.type === 'folder');
  if (existing) return existing;
  const now = ctx.portal.clock.now();
  const root: DiskObjectRec = {
    id: nextId(state, 'diskObject', 8900),
    type: 'folder',
    name: `user${userId}`,
    parentId: null,
    storageId: nextId(state, 'diskStorage', 1300),
    fileId: null,
    size: 0,
    createdBy: userId,
    createdAt: now,
    updatedAt: now,
  };
  state.disk.objects.push(root);
  state.seq[rootKey(userId)] = root.id;
  return root;
}

function storageJson(ctx: CallContext, userId: number, root: DiskObjectRec) {
  const user = ctx.portal.state.users.find((u) => u.id === userId);
  return {
    ID: String(root.storageId),
    NAME: user ? [user.name, user.lastName].filter(Boolean).join(' ') : `user${userId}`,
    CODE: null,
    MODULE_ID: 'disk',
    ENTITY_TYPE: 'user',
    ENTITY_ID: String(userId),
    ROOT_OBJECT_ID: String(root.id),
  };
}

function getList(ctx: CallContext, params: Params) {
  const filter = asObject(pick(params, 'filter', 'FILTER')) ?? {};
  const type = asString(filter['ENTITY_TYPE'] ?? '').toLowerCase();
  if (type && type !== 'user') return ok([]);
  const caller = ctx.caller.userId ?? 1;
  const wanted = filter['ENTITY_ID'] === undefined ? caller : Number(filter['ENTITY_ID']);
  if (!Number.isInteger(wanted) || !ctx.portal.state.users.some((u) => u.id === wanted)) return ok([]);
  if (wanted !== caller && !isAdmin(ctx)) throw new RestFault('ACCESS_DENIED', 'Access denied', 403);
  const root = userRoot(ctx, wanted);
  if (filter['ID'] !== undefined && Number(filter['ID']) !== root.storageId) return ok([]);
  return ok([storageJson(ctx, wanted, root)]);
}

export function registerDiskStorage(registry: Registry): void {
  registry.add('disk.storage.getlist', { scopes: ['disk'], handler: getList });
}
