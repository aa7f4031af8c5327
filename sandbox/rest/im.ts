/** im.notify.system.add / im.notify.personal.add — recorded in state.notifications. */
import { RestFault } from '../errors.js';
import { nextId } from '../ids.js';
import type { NotificationRecord } from '../types.js';
import { asInt, asString, ok, pick, type CallContext, type Params, type Registry } from './registry.js';

function notify(kind: NotificationRecord['kind']) {
  return (ctx: CallContext, params: Params) => {
    const { state } = ctx.portal;
    const userId = asInt(pick(params, 'USER_ID', 'user_id'));
    if (userId === null || !state.users.some((u) => u.id === userId)) throw new RestFault('USER_ID_EMPTY', "Recipient user ID can't be empty", 400);
    const message = asString(pick(params, 'MESSAGE', 'message'));
    if (!message) throw new RestFault('MESSAGE_EMPTY', "Message can't be empty", 400);
    const tag = asString(pick(params, 'TAG', 'tag'));
    // The same TAG replaces the user's earlier notification.
    if (tag) state.notifications = state.notifications.filter((n) => !(n.userId === userId && n.tag === tag));
    const rec: NotificationRecord = {
      id: nextId(state, 'notification', 12000),
      kind,
      userId,
      fromUserId: kind === 'personal' ? (ctx.caller.userId ?? 1) : null,
      message,
      messageOut: asString(pick(params, 'MESSAGE_OUT', 'message_out')),
      tag,
      subTag: asString(pick(params, 'SUB_TAG', 'sub_tag')),
      attach: pick(params, 'ATTACH', 'attach') ?? null,
      createdAt: ctx.portal.clock.now(),
    };
    state.notifications.push(rec);
    return ok(rec.id);
  };
}

export function registerIm(registry: Registry): void {
  registry.add('im.notify.system.add', { scopes: ['im'], handler: notify('system') });
  registry.add('im.notify.personal.add', { scopes: ['im'], handler: notify('personal') });
  registry.add('im.notify', { scopes: ['im'], handler: notify('personal') });
}
