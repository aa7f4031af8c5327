import { requireMapped, type HandlerContext } from '../context.js';
import { historyComment, validateStatusChange, type StatusChange } from '../domain/membership/status.js';
import { AppError } from '../errors.js';
import { mapKeys } from '../registry/names.js';
import { writeBatch } from './write.js';

type Ctx = Pick<HandlerContext, 'rest' | 'map' | 'logger'>;

/**
 * Set a contact's membership status and keep the history in the portal's timeline. Safe to repeat:
 * a contact that already has this status from this date is left alone, and the field update and the
 * history entry go out in one batch so neither is written without the other.
 */
export async function setMemberStatus(ctx: Ctx, contactId: number, change: StatusChange): Promise<{ changed: boolean }> {
  const problems = validateStatusChange(change);
  if (problems.length) throw new AppError('VALIDATION_FAILED', problems.join(' '));

  const f = {
    status: requireMapped(ctx, mapKeys.field('contact.status')),
    date: requireMapped(ctx, mapKeys.field('contact.statusDate')),
    until: requireMapped(ctx, mapKeys.field('contact.statusUntil')),
    reason: requireMapped(ctx, mapKeys.field('contact.deregReason')),
    joined: requireMapped(ctx, mapKeys.field('contact.joinedAt')),
  };
  const statusItem = requireMapped(ctx, mapKeys.enumItem('contact.status', change.status));
  const reasonItem = change.reason ? requireMapped(ctx, mapKeys.enumItem('contact.deregReason', change.reason)) : '';

  const { item } = await ctx.rest.call<{ item: Record<string, unknown> }>('crm.item.get', { entityTypeId: 3, id: contactId, useOriginalUfNames: 'Y' });
  const currentDate = String(item[f.date] ?? '').slice(0, 10);
  if (String(item[f.status] ?? '') === statusItem && currentDate === change.from) return { changed: false };

  const fields: Record<string, unknown> = {
    [f.status]: statusItem,
    [f.date]: change.from,
    [f.until]: change.until ?? '',
    [f.reason]: reasonItem,
  };
  if (change.status === 'member') fields[f.joined] = change.from;

  await writeBatch(ctx, 'member status', [
    { method: 'crm.item.update', params: { entityTypeId: 3, id: contactId, useOriginalUfNames: 'Y', fields } },
    { method: 'crm.timeline.comment.add', params: { fields: { ENTITY_ID: contactId, ENTITY_TYPE: 'contact', COMMENT: historyComment(change) } } },
  ]);
  ctx.logger.info({ contactId, status: change.status }, 'member status set');
  return { changed: true };
}
