import { z } from 'zod';
import { dateInZone } from '../app/clock.js';
import { setMemberStatus } from '../app/crm/member-status.js';
import { DEREGISTRATION_REASONS, MEMBER_STATUSES, STATUS_TITLES } from '../app/domain/membership/status.js';
import { defineRobot, optionalProp, RobotFailure, type RobotContext } from '../app/robots.js';

/** On a deal the robot works on the deal's contact; in a contact's workflow on the contact itself. */
async function contactOf(ctx: RobotContext): Promise<number> {
  if (ctx.document.entityTypeId === 3) return ctx.document.id;
  if (ctx.document.entityTypeId !== 2) throw new RobotFailure('Робот работает со сделками и контактами.');
  const { item } = await ctx.rest.call<{ item: { contactId?: number | null } }>('crm.item.get', { entityTypeId: 2, id: ctx.document.id });
  if (!item.contactId) throw new RobotFailure('У сделки нет контакта: укажите заявителя в сделке.');
  return item.contactId;
}

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'дата в формате ГГГГ-ММ-ДД').transform((s) => s.slice(0, 10));

export default defineRobot({
  code: 'set-member-status',
  properties: z.object({
    status: z.enum(MEMBER_STATUSES, { error: 'выберите статус из списка' }),
    effectiveDate: optionalProp(isoDate),
    until: optionalProp(isoDate),
    reason: optionalProp(z.enum(DEREGISTRATION_REASONS, { error: 'выберите причину из списка' })),
  }),
  async run(ctx, props) {
    const contactId = await contactOf(ctx);
    const from = props.effectiveDate ?? dateInZone(ctx.clock.now(), ctx.settings.process.timeZone);
    const { changed } = await setMemberStatus(ctx, contactId, { status: props.status, from, until: props.until, reason: props.reason, source: 'robot' });
    return { message: changed ? `Статус: ${STATUS_TITLES[props.status]} с ${from}` : 'Статус уже установлен' };
  },
});
