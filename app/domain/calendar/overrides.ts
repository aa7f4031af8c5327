/** Per-portal calendar overrides: their schema and where they live (the app's settings store). */
import { z } from 'zod';
import type { Store } from '../../store/types.js';
import { ProductionCalendar, shippedCalendar, type CalendarOverrides } from './calendar.js';
import { formatRu, isIsoDate } from './dates.js';
import { CalendarInputError } from './errors.js';

/** The settings key the overrides are stored under (store.getSetting/setSetting). */
export const CALENDAR_SETTING_KEY = 'calendar';

const isoDate = z.string({ error: 'Ожидается дата' }).refine(isIsoDate, { message: 'Дата в формате ГГГГ-ММ-ДД' });
const dateList = z.array(isoDate, { error: 'Ожидается список дат' }).max(366, 'Не больше 366 дат').default([]);
const sortedUnique = (xs: string[]) => [...new Set(xs)].sort();

/** `{ daysOff, workingDays }`: validated, de-duplicated and sorted; a date may not be in both lists. */
export const calendarOverridesSchema = z
  .object({ daysOff: dateList, workingDays: dateList })
  .strict()
  .superRefine((o, ctx) => {
    const off = new Set(o.daysOff);
    o.workingDays.forEach((d, i) => {
      if (off.has(d)) ctx.addIssue({ code: 'custom', path: ['workingDays', i], message: `${formatRu(d)} уже указан как нерабочий день` });
    });
  })
  .transform((o): CalendarOverrides => ({ daysOff: sortedUnique(o.daysOff), workingDays: sortedUnique(o.workingDays) }));

export const EMPTY_OVERRIDES: CalendarOverrides = { daysOff: [], workingDays: [] };

/** The portal's stored overrides (empty when none are stored). */
export async function loadCalendarOverrides(store: Pick<Store, 'getSetting'>, memberId: string): Promise<CalendarOverrides> {
  const raw = await store.getSetting<unknown>(memberId, CALENDAR_SETTING_KEY);
  if (raw === undefined || raw === null) return EMPTY_OVERRIDES;
  const parsed = calendarOverridesSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CalendarInputError(`Настройки производственного календаря портала повреждены (${parsed.error.issues.map((i) => `${i.path.join('.') || 'значение'}: ${i.message}`).join('; ')}). Сохраните их заново на странице настроек.`);
  }
  return parsed.data;
}

/** The shipped production calendar with the portal's overrides applied. */
export async function loadPortalCalendar(store: Pick<Store, 'getSetting'>, memberId: string): Promise<ProductionCalendar> {
  const overrides = await loadCalendarOverrides(store, memberId);
  if (!overrides.daysOff.length && !overrides.workingDays.length) return shippedCalendar();
  return shippedCalendar().withOverrides(overrides);
}
