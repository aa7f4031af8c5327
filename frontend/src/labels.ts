// Russian labels and small formatters shared by the pages.
import type { PlanAction, PlanKind, PortalStatus } from './api';

export const PORTAL_STATUS: Record<PortalStatus, { label: string; color: 'air-primary-success' | 'air-primary-alert' | 'air-primary-warning' }> = {
  active: { label: 'Подключено', color: 'air-primary-success' },
  disconnected: { label: 'Нет связи с порталом', color: 'air-primary-alert' },
  uninstalled: { label: 'Приложение удалено', color: 'air-primary-warning' },
};

export const PLAN_ACTION: Record<PlanAction, { label: string; color: 'air-primary-success' | 'air-primary' | 'air-primary-alert' }> = {
  create: { label: 'Создать', color: 'air-primary-success' },
  update: { label: 'Изменить', color: 'air-primary' },
  delete: { label: 'Удалить', color: 'air-primary-alert' },
};

export const PLAN_KIND: Record<PlanKind, string> = {
  robot: 'Робот',
  event: 'Обработчик события',
  placement: 'Встраивание',
  smartProcess: 'Смарт-процесс',
  pipeline: 'Воронка',
  stage: 'Стадия',
  userField: 'Пользовательское поле',
};

const dateTime = new Intl.DateTimeFormat('ru-RU', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** Unix ms (or seconds, if it looks like seconds) → «5 марта 2025 г., 14:07». */
export function formatDateTime(ts: number | null | undefined): string {
  if (ts === null || ts === undefined || !Number.isFinite(ts) || ts <= 0) return '—';
  const ms = ts < 1e12 ? ts * 1000 : ts;
  return dateTime.format(new Date(ms));
}

/** Russian plural: plural(3, ['изменение', 'изменения', 'изменений']). */
export function plural(n: number, forms: [string, string, string]): string {
  const a = Math.abs(n) % 100;
  const b = a % 10;
  if (a > 10 && a < 20) return forms[2];
  if (b > 1 && b < 5) return forms[1];
  if (b === 1) return forms[0];
  return forms[2];
}

export const changesWord = (n: number) => `${n} ${plural(n, ['изменение', 'изменения', 'изменений'])}`;
export const jobsWord = (n: number) => `${n} ${plural(n, ['задача', 'задачи', 'задач'])}`;
