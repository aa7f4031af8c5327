import { z } from 'zod';
import { dateInZone } from '../app/clock.js';
import { isIsoDate } from '../app/domain/calendar/dates.js';
import { addDays, CalendarError, DAY_COUNTS, loadPortalCalendar, ON_DAY_OFF } from '../app/domain/calendar/index.js';
import { defineRobot, optionalProp, RobotFailure } from '../app/robots.js';

/**
 * A date from the designer: `YYYY-MM-DD` (optionally with a time, which is dropped) or the Russian
 * portal format `DD.MM.YYYY` (likewise). Returns `YYYY-MM-DD`.
 */
const designerDate = z
  .string()
  .trim()
  .transform((s, ctx) => {
    const iso = /^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$/.exec(s);
    const ru = /^(\d{2})\.(\d{2})\.(\d{4})(?: .*)?$/.exec(s);
    const date = iso ? iso[1]! : ru ? `${ru[3]}-${ru[2]}-${ru[1]}` : '';
    if (!isIsoDate(date)) {
      ctx.addIssue({ code: 'custom', message: `«${s}» — не дата; ожидается ГГГГ-ММ-ДД или ДД.ММ.ГГГГ` });
      return z.NEVER;
    }
    return date;
  });

/** A whole number of days as the designer sends it: a string of digits. */
const dayCount = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
  z.number({ error: 'укажите целое число дней, 0 или больше' }).int('укажите целое число дней').min(0, 'не меньше 0').max(3650, 'не больше 3650'),
);

export default defineRobot({
  code: 'add-days',
  properties: z.object({
    date: optionalProp(designerDate),
    days: dayCount,
    kind: optionalProp(z.enum(DAY_COUNTS, { error: 'выберите «календарные» или «рабочие»' })),
    onDayOff: optionalProp(z.enum(ON_DAY_OFF, { error: 'выберите правило переноса из списка' })),
  }),
  async run(ctx, props) {
    const from = props.date ?? dateInZone(ctx.clock.now(), ctx.settings.process.timeZone);
    try {
      const calendar = await loadPortalCalendar(ctx.store, ctx.portal.memberId);
      const { date, explanation } = addDays(calendar, from, props.days, props.kind ?? 'calendar', props.onDayOff ?? 'none');
      return { date, explanation: explanation.text, message: explanation.text };
    } catch (err) {
      if (err instanceof CalendarError) throw new RobotFailure(err.message);
      throw err;
    }
  },
});
