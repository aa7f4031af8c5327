/**
 * Membership status for many contacts at once, kept the way app/crm/member-status.ts keeps it for
 * one: the contact's status fields and a timeline comment with the `#du-status` marker
 * (historyComment from app/domain/membership/status.ts), both in the same batch request, and a
 * contact that already has this status from this date is left alone. Reads are one request per
 * 2,450 contacts, writes 25 contacts (50 commands) per request.
 */
import { requireMapped, type HandlerContext } from '../../context.js';
import { listWhereIn } from '../../crm/duplicates.js';
import { historyComment, validateStatusChange, type StatusChange } from '../../domain/membership/status.js';
import { mapKeys } from '../../registry/names.js';
import type { BatchCommand, BatchOutcome } from '../../rest/types.js';

type Ctx = Pick<HandlerContext, 'rest' | 'map'>;

export function statusFieldNames(ctx: Pick<HandlerContext, 'map'>) {
  return {
    status: requireMapped(ctx, mapKeys.field('contact.status')),
    date: requireMapped(ctx, mapKeys.field('contact.statusDate')),
    until: requireMapped(ctx, mapKeys.field('contact.statusUntil')),
    reason: requireMapped(ctx, mapKeys.field('contact.deregReason')),
    joined: requireMapped(ctx, mapKeys.field('contact.joinedAt')),
  };
}

/** The contact fields a status change writes (UF names; good for crm.contact.add and crm.item.update with original names). */
export function statusFieldValues(ctx: Pick<HandlerContext, 'map'>, change: StatusChange): Record<string, unknown> {
  const f = statusFieldNames(ctx);
  const fields: Record<string, unknown> = {
    [f.status]: requireMapped(ctx, mapKeys.enumItem('contact.status', change.status)),
    [f.date]: change.from,
    [f.until]: change.until ?? '',
    [f.reason]: change.reason ? requireMapped(ctx, mapKeys.enumItem('contact.deregReason', change.reason)) : '',
  };
  if (change.status === 'member') fields[f.joined] = change.from;
  return fields;
}

/** The history entry; `contact` may be a batch reference (`$result[c0]`) to a contact added earlier in the batch. */
export function historyCommand(contact: number | string, change: StatusChange): BatchCommand {
  return { method: 'crm.timeline.comment.add', params: { fields: { ENTITY_ID: contact, ENTITY_TYPE: 'contact', COMMENT: historyComment(change) } } };
}

export interface StatusTarget {
  contactId: number;
  change: StatusChange;
}

export interface StatusResult {
  contactId: number;
  /** false: it already had this status from this date (or the change was refused). */
  changed: boolean;
  /** Why it was not saved (validation or the portal's answer). */
  error?: string;
}

const describe = (o: BatchOutcome | undefined) => (o ? (o.ok ? '' : `${o.error.code} ${o.error.description}`.trim()) : 'нет ответа портала');

/** Is this contact already at `change` (status and date)? */
export function alreadyAt(ctx: Pick<HandlerContext, 'map'>, row: Record<string, unknown> | undefined, change: StatusChange): boolean {
  if (!row) return false;
  const f = statusFieldNames(ctx);
  const item = ctx.map[mapKeys.enumItem('contact.status', change.status)];
  return item !== undefined && String(row[f.status] ?? '') === String(item) && String(row[f.date] ?? '').slice(0, 10) === change.from;
}

/**
 * Sets each target's status with its history entry. One result per target, in order; a refused or
 * failed target does not stop the others. A contact listed twice gets the last change only.
 */
export async function setMemberStatusMany(ctx: Ctx, targets: readonly StatusTarget[], opts: { onBatch?: (done: number) => void | Promise<void> } = {}): Promise<StatusResult[]> {
  const f = statusFieldNames(ctx);
  const results: StatusResult[] = targets.map((t) => ({ contactId: t.contactId, changed: false }));
  const lastIndex = new Map<number, number>();
  targets.forEach((t, i) => lastIndex.set(t.contactId, i));

  const todo: number[] = [];
  targets.forEach((t, i) => {
    if (lastIndex.get(t.contactId) !== i) {
      results[i]!.error = 'Контакт указан ещё раз ниже: применено последнее изменение.';
      return;
    }
    const problems = validateStatusChange(t.change);
    if (problems.length) results[i]!.error = problems.join(' ');
    else todo.push(i);
  });
  if (todo.length === 0) return results;

  const rows = await listWhereIn(ctx.rest, 'crm.contact.list', 'ID', todo.map((i) => targets[i]!.contactId), { select: ['ID', f.status, f.date] });
  const current = new Map(rows.map((r) => [Number(r.ID), r]));
  const writes = todo.filter((i) => {
    const t = targets[i]!;
    if (!current.has(t.contactId)) {
      results[i]!.error = `Контакт ${t.contactId} не найден на портале.`;
      return false;
    }
    return !alreadyAt(ctx, current.get(t.contactId), t.change);
  });

  // 25 contacts (update + history) per batch request; both commands of a contact go together.
  for (let start = 0; start < writes.length; start += 25) {
    const chunk = writes.slice(start, start + 25);
    const commands: BatchCommand[] = chunk.flatMap((i) => {
      const t = targets[i]!;
      return [
        { method: 'crm.item.update', params: { entityTypeId: 3, id: t.contactId, useOriginalUfNames: 'Y', fields: statusFieldValues(ctx, t.change) } },
        historyCommand(t.contactId, t.change),
      ];
    });
    const outcomes = await ctx.rest.batch(commands);
    chunk.forEach((i, k) => {
      const update = outcomes[2 * k];
      const comment = outcomes[2 * k + 1];
      if (update?.ok && comment?.ok) results[i]!.changed = true;
      else results[i]!.error = `Статус не сохранён: ${describe(update?.ok ? comment : update)}`;
    });
    await opts.onBatch?.(Math.min(writes.length, start + 25));
  }
  return results;
}
