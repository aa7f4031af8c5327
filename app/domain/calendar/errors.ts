/** Errors of the production calendar. Messages are Russian: they reach workflow logs and the UI. */

export class CalendarError extends Error {
  readonly code: 'CALENDAR_DATA_MISSING' | 'CALENDAR_BAD_INPUT';
  constructor(code: CalendarError['code'], message: string) {
    super(message);
    this.name = 'CalendarError';
    this.code = code;
  }
}

/**
 * A date falls in a year the app ships no production calendar for. Never guessed: a deadline
 * computed from a made-up calendar would be silently wrong. Permanent until the app is updated,
 * so job runners should not retry it.
 */
export class CalendarDataMissing extends CalendarError {
  readonly year: number;
  constructor(year: number) {
    super('CALENDAR_DATA_MISSING', `Нет данных производственного календаря на ${year} год. Обновите приложение «Цифровой профсоюз»: календарь на год добавляется после выхода постановления Правительства о переносе выходных.`);
    this.name = 'CalendarDataMissing';
    this.year = year;
  }
}

/** A date that is not `YYYY-MM-DD`, a negative day count and the like. */
export class CalendarInputError extends CalendarError {
  constructor(message: string) {
    super('CALENDAR_BAD_INPUT', message);
    this.name = 'CalendarInputError';
  }
}
