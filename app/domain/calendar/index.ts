/** The Russian production calendar and deadline arithmetic (DOMAIN.md, "Production calendar"). */
export { PRODUCTION_CALENDAR, PUBLIC_HOLIDAYS, type CalendarYear } from './data.js';
export { CalendarDataMissing, CalendarError, CalendarInputError } from './errors.js';
export { ProductionCalendar, shippedCalendar, isWorking, MAX_DAYS, type CalendarOverrides, type DayInfo } from './calendar.js';
export type { DayCount, DayKind, DayReason, DeadlineResult, Explanation, ExplanationStep, OnDayOff } from './explain.js';
export { addDays, dueDateBefore, asDayCount, asOnDayOff, DAY_COUNTS, ON_DAY_OFF } from './deadlines.js';
export { CALENDAR_SETTING_KEY, calendarOverridesSchema, loadCalendarOverrides, loadPortalCalendar, EMPTY_OVERRIDES } from './overrides.js';
