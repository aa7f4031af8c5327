import { describe, expect, it } from 'vitest';
import type { RobotContext } from '../../app/robots.js';
import { RobotFailure } from '../../app/robots.js';
import robot from '../../robots/add-days.js';

/** Just what the robot reads: the portal id, its stored calendar overrides, the time zone and the clock. */
function fakeContext(opts: { now?: number; timeZone?: string; overrides?: unknown } = {}): RobotContext {
  const settings: Record<string, unknown> = { 'p1/calendar': opts.overrides };
  return {
    portal: { memberId: 'p1' },
    store: { getSetting: async (memberId: string, key: string) => settings[`${memberId}/${key}`] },
    settings: { process: { timeZone: opts.timeZone ?? 'Europe/Moscow' } },
    clock: { now: () => opts.now ?? Date.UTC(2025, 2, 5, 9, 0) },
  } as unknown as RobotContext;
}

/** Properties as the portal sends them (all strings), validated the way the job runner does. */
function props(raw: Record<string, string>) {
  const parsed = robot.properties.safeParse(raw);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

const run = (raw: Record<string, string>, ctx = fakeContext()) => robot.run(ctx, props(raw));

describe('robot add-days', () => {
  it('is named by its code', () => {
    expect(robot.code).toBe('add-days');
  });

  it('adds calendar days and moves a day off to the next working day', async () => {
    expect(await run({ date: '2025-03-05', days: '10', kind: 'calendar', onDayOff: 'nextWorking' })).toEqual({
      date: '2025-03-17',
      explanation: '10 календарных дней от 05.03.2025 → 15.03.2025 (суббота, выходной) → перенесено на следующий рабочий день 17.03.2025',
      message: '10 календарных дней от 05.03.2025 → 15.03.2025 (суббота, выходной) → перенесено на следующий рабочий день 17.03.2025',
    });
  });

  it('adds working days by the production calendar, across the new year', async () => {
    const r = await run({ date: '2025-12-30', days: '1', kind: 'working', onDayOff: '' });
    expect(r.date).toBe('2026-01-12');
    expect(r.explanation).toMatch(/^1 рабочий день от 30\.12\.2025 → 12\.01\.2026; пропущены 31\.12 \(перенесённый выходной\)/);
    expect((await run({ date: '2026-12-30', days: '1', kind: 'working', onDayOff: '' })).date).toBe('2027-01-11');
  });

  it.each([
    ['2025-05-01', '0', 'working', '', '2025-05-05'],
    ['2025-04-21', '10', 'calendar', 'previousWorking', '2025-04-30'],
    ['2025-04-21', '10', 'calendar', 'none', '2025-05-01'],
    ['2025-04-21', '10', 'calendar', '', '2025-05-01'], // empty rule = no move
    ['2025-04-21', '10', '', '', '2025-05-01'], // empty kind = calendar days
    ['2024-10-31', '2', 'calendar', 'nextWorking', '2024-11-02'], // short working Saturday
    ['2027-02-19', '1', 'working', '', '2027-02-20'],
  ])('%s + %s %s days (%s) → %s', async (date, days, kind, onDayOff, expected) => {
    expect((await run({ date, days, kind, onDayOff })).date).toBe(expected);
  });

  it('takes the portal-format date and drops a time', async () => {
    expect((await run({ date: '05.03.2025', days: '10', kind: 'calendar', onDayOff: 'nextWorking' })).date).toBe('2025-03-17');
    expect((await run({ date: '05.03.2025 14:30:00', days: '10', kind: 'calendar', onDayOff: 'nextWorking' })).date).toBe('2025-03-17');
    expect((await run({ date: '2025-03-05T14:30:00+03:00', days: '10', kind: 'calendar', onDayOff: 'nextWorking' })).date).toBe('2025-03-17');
  });

  it('counts from today in the portal time zone when the date is empty', async () => {
    // 21:30 UTC on 30 December is already 31 December in Moscow and still 30 December in Kaliningrad.
    const now = Date.UTC(2025, 11, 30, 21, 30);
    expect((await run({ date: '', days: '1', kind: 'calendar', onDayOff: 'none' }, fakeContext({ now }))).date).toBe('2026-01-01');
    expect((await run({ date: '', days: '1', kind: 'calendar', onDayOff: 'none' }, fakeContext({ now, timeZone: 'Europe/Kaliningrad' }))).date).toBe('2025-12-31');
    expect((await run({ days: '0', kind: 'working' }, fakeContext({ now }))).date).toBe('2026-01-12');
  });

  it("applies the portal's calendar overrides", async () => {
    const ctx = fakeContext({ overrides: { daysOff: ['2025-03-31'], workingDays: [] } });
    const r = await run({ date: '2025-03-28', days: '1', kind: 'working', onDayOff: '' }, ctx);
    expect(r.date).toBe('2025-04-01');
    expect(r.explanation).toContain('31.03 (нерабочий день по настройкам портала)');
  });

  it('fails with a Russian message for a year without calendar data', async () => {
    const p = run({ date: '2027-12-30', days: '5', kind: 'working', onDayOff: '' });
    await expect(p).rejects.toBeInstanceOf(RobotFailure);
    await expect(p).rejects.toThrow(/^Нет данных производственного календаря на 2028 год/);
    await expect(run({ date: '2027-12-20', days: '20', kind: 'calendar', onDayOff: 'nextWorking' })).rejects.toThrow(/на 2028 год/);
    // A plain calendar-day count needs no calendar.
    expect((await run({ date: '2027-12-20', days: '20', kind: 'calendar', onDayOff: 'none' })).date).toBe('2028-01-09');
  });

  it('fails, not crashes, on broken stored overrides', async () => {
    await expect(run({ date: '2025-03-05', days: '1', kind: 'working' }, fakeContext({ overrides: { daysOff: 'вчера' } }))).rejects.toBeInstanceOf(RobotFailure);
  });

  it.each([
    [{ date: '2025-02-30', days: '1' }, /date: «2025-02-30» — не дата/],
    [{ date: 'завтра', days: '1' }, /date: «завтра» — не дата/],
    [{ days: '' }, /days: укажите целое число дней/],
    [{ days: '-1' }, /days: укажите целое число дней/],
    [{ days: '1.5' }, /days: укажите целое число дней/],
    [{ days: '5000' }, /days: не больше 3650/],
    [{ days: '1', kind: 'weeks' }, /kind: выберите «календарные» или «рабочие»/],
    [{ days: '1', onDayOff: 'later' }, /onDayOff: выберите правило переноса из списка/],
  ])('rejects bad properties %o', (raw, message) => {
    expect(() => props(raw)).toThrow(message);
  });
});
