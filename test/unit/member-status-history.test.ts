/**
 * The history marker of membership statuses: what historyComment writes, parseHistoryComment reads
 * back (the only two places that know the format), and the field-tied rules of a status change.
 */
import { describe, expect, it } from 'vitest';
import {
  DEREGISTRATION_REASONS,
  MEMBER_STATUSES,
  STATUS_SOURCES,
  historyComment,
  isIsoDate,
  parseHistoryComment,
  statusChangeIssues,
  validateStatusChange,
  type StatusChange,
} from '../../app/domain/membership/status.js';

describe('history comment round trip', () => {
  it('reads back every status, source and reason it wrote', () => {
    for (const status of MEMBER_STATUSES) {
      for (const source of STATUS_SOURCES) {
        const change: StatusChange = { status, from: '2025-03-10', source };
        expect(parseHistoryComment(historyComment(change))).toEqual(change);
      }
    }
    for (const reason of DEREGISTRATION_REASONS) {
      const change: StatusChange = { status: 'deregistered', from: '2024-12-31', reason, source: 'card', by: 2 };
      expect(parseHistoryComment(historyComment(change))).toEqual(change);
    }
  });

  it('keeps "until" and the author of a card change', () => {
    const change: StatusChange = { status: 'suspended', from: '2025-02-01', until: '2025-08-31', source: 'card', by: 17 };
    const text = historyComment(change);
    expect(text).toContain('Временно снят с учёта с 01.02.2025 до 31.08.2025');
    expect(text.split('\n').at(-1)).toBe('#du-status status=suspended from=2025-02-01 until=2025-08-31 source=card by=17');
    expect(parseHistoryComment(text)).toEqual(change);
  });

  it('survives what the portal may do to the text: CRLF, <br>, spaces around the line', () => {
    const marker = '#du-status status=member from=2025-01-15 source=decision';
    const expected = { status: 'member', from: '2025-01-15', source: 'decision' };
    expect(parseHistoryComment(`Статус члена профсоюза: Член профсоюза с 15.01.2025.\r\n${marker}`)).toEqual(expected);
    expect(parseHistoryComment(`Статус члена профсоюза.<br />${marker}`)).toEqual(expected);
    expect(parseHistoryComment(`Статус.<BR>  ${marker}  `)).toEqual(expected);
    expect(parseHistoryComment(marker)).toEqual(expected);
  });

  it('ignores unknown keys and bad optional values, keeps the change', () => {
    expect(parseHistoryComment('#du-status status=suspended from=2025-01-01 until=2025-13-40 source=robot by=abc extra=1')).toEqual({
      status: 'suspended',
      from: '2025-01-01',
      source: 'robot',
    });
    expect(parseHistoryComment('#du-status status=deregistered from=2025-01-01 reason=moon source=list')).toEqual({ status: 'deregistered', from: '2025-01-01', source: 'list' });
  });

  it('returns null for other comments and for markers that do not parse', () => {
    for (const text of [
      '',
      'Позвонил, договорились о встрече',
      'Пишу про #du-status в тексте', // the marker is not at the start of a line
      '#du-statusX status=member from=2025-01-01 source=card',
      '#du-status',
      '#du-status status=boss from=2025-01-01 source=card',
      '#du-status status=member from=01.01.2025 source=card',
      '#du-status status=member from=2025-02-30 source=card',
      '#du-status status=member from=2025-01-01',
      '#du-status status=member from=2025-01-01 source=telepathy',
    ]) {
      expect(parseHistoryComment(text), text).toBeNull();
    }
    expect(parseHistoryComment(undefined as unknown as string)).toBeNull();
  });
});

describe('status change rules', () => {
  it('ties each problem to its field', () => {
    expect(statusChangeIssues({ status: 'deregistered', from: '2025-01-01', source: 'card' })).toEqual([{ field: 'reason', message: 'Для снятия с учёта укажите причину.' }]);
    expect(statusChangeIssues({ status: 'member', from: '2025-01-01', reason: 'death', source: 'card' })).toEqual([{ field: 'reason', message: 'Причина указывается только при снятии с учёта.' }]);
    expect(statusChangeIssues({ status: 'member', from: '2025-01-01', until: '2025-02-01', source: 'card' }).map((i) => i.field)).toEqual(['until']);
    expect(statusChangeIssues({ status: 'suspended', from: '2025-03-01', until: '2025-02-01', source: 'card' })).toEqual([{ field: 'until', message: 'Дата «до» раньше даты вступления в силу.' }]);
    expect(statusChangeIssues({ status: 'suspended', from: '2025-02-31', source: 'card' }).map((i) => i.field)).toEqual(['from']);
    expect(statusChangeIssues({ status: 'nobody' as never, from: '2025-01-01', source: 'card' }).map((i) => i.field)).toEqual(['status']);
  });

  it('accepts good changes; validateStatusChange gives the same messages', () => {
    expect(statusChangeIssues({ status: 'suspended', from: '2025-03-01', until: '2025-03-01', source: 'card' })).toEqual([]);
    expect(statusChangeIssues({ status: 'suspended', from: '2025-03-01', source: 'card' })).toEqual([]);
    expect(validateStatusChange({ status: 'deregistered', from: '2025-03-01', reason: 'voluntary', source: 'robot' })).toEqual([]);
    expect(validateStatusChange({ status: 'deregistered', from: '2025-03-01', source: 'robot' })).toEqual(['Для снятия с учёта укажите причину.']);
  });

  it('isIsoDate knows real dates', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2025-02-29')).toBe(false);
    expect(isIsoDate('2025-1-01')).toBe(false);
    expect(isIsoDate(20250101)).toBe(false);
  });
});
