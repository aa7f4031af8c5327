import { z } from 'zod';
import type { Store } from './store/types.js';

/** Roles of the union's staff (DOMAIN.md), mapped to portal users on the settings page. */
export const ROLES = [
  { code: 'clerk', title: 'Делопроизводитель', multiple: true },
  { code: 'chairman', title: 'Председатель', multiple: false },
  { code: 'deputy', title: 'Заместитель председателя', multiple: true },
  { code: 'head', title: 'Руководитель отдела', multiple: true },
  { code: 'accountant', title: 'Бухгалтер', multiple: true },
] as const;
export type RoleCode = (typeof ROLES)[number]['code'];

export const roleMappingSchema = z
  .object(Object.fromEntries(ROLES.map((r) => [r.code, z.array(z.number().int().positive()).max(r.multiple ? 200 : 1, `${r.title}: можно выбрать только одного пользователя`).default([])])) as Record<RoleCode, z.ZodDefault<z.ZodArray<z.ZodNumber>>>)
  .strict();
export type RoleMapping = Record<RoleCode, number[]>;

/** Process settings: a schema the settings page renders, with defaults and bounds. */
export const PROCESS_SETTINGS = [
  { key: 'timeZone', title: 'Часовой пояс портала', help: 'По нему считаются «сегодня» и просрочка.', type: 'select', options: ['Europe/Kaliningrad', 'Europe/Moscow', 'Europe/Samara', 'Asia/Yekaterinburg', 'Asia/Omsk', 'Asia/Novosibirsk', 'Asia/Krasnoyarsk', 'Asia/Irkutsk', 'Asia/Yakutsk', 'Asia/Vladivostok', 'Asia/Magadan', 'Asia/Kamchatka'].map((v) => ({ value: v, label: v })), default: 'Europe/Moscow' },
  { key: 'signingReminderDays', title: 'Напоминание о подписании через, дней', help: 'Сколько дней ждать подписанные документы до напоминания.', type: 'number', min: 1, max: 60, default: 10 },
  { key: 'signingCloseDays', title: 'Закрыть заявление без документов через, дней', help: 'Считается от даты заявления.', type: 'number', min: 2, max: 180, default: 40 },
  { key: 'signingDayKind', title: 'Как считать дни', help: 'Календарные или рабочие дни по производственному календарю.', type: 'select', options: [{ value: 'calendar', label: 'Календарные' }, { value: 'working', label: 'Рабочие' }], default: 'calendar' },
  { key: 'handleStagesByEvents', title: 'Выполнять действия стадий по событиям', help: 'Выключите, если действия стадий запускаются только роботами в дизайнере.', type: 'boolean', default: true },
] as const;

type SettingDef = (typeof PROCESS_SETTINGS)[number];
export type ProcessSettings = { [K in SettingDef['key']]: Extract<SettingDef, { key: K }>['default'] extends number ? number : Extract<SettingDef, { key: K }>['default'] extends boolean ? boolean : string };

export const processSettingsSchema = z
  .object({
    timeZone: z.enum(PROCESS_SETTINGS[0].options.map((o) => o.value) as [string, ...string[]], { error: 'Выберите часовой пояс из списка' }),
    signingReminderDays: z.number({ error: 'Введите число' }).int('Введите целое число').min(1, 'Не меньше 1').max(60, 'Не больше 60'),
    signingCloseDays: z.number({ error: 'Введите число' }).int('Введите целое число').min(2, 'Не меньше 2').max(180, 'Не больше 180'),
    signingDayKind: z.enum(['calendar', 'working'], { error: 'Выберите способ счёта дней' }),
    handleStagesByEvents: z.boolean({ error: 'Ожидается да или нет' }),
  })
  .strict()
  .refine((s) => s.signingCloseDays > s.signingReminderDays, { path: ['signingCloseDays'], message: 'Срок закрытия должен быть больше срока напоминания' });

export const DEFAULT_PROCESS_SETTINGS = Object.fromEntries(PROCESS_SETTINGS.map((s) => [s.key, s.default])) as ProcessSettings;

export interface PortalSettings {
  process: ProcessSettings;
  roles: RoleMapping;
}

export const emptyRoles = (): RoleMapping => Object.fromEntries(ROLES.map((r) => [r.code, []])) as unknown as RoleMapping;

export async function loadPortalSettings(store: Store, memberId: string): Promise<PortalSettings> {
  const process = { ...DEFAULT_PROCESS_SETTINGS, ...((await store.getSetting<Partial<ProcessSettings>>(memberId, 'process')) ?? {}) };
  const roles = { ...emptyRoles(), ...((await store.getSetting<Partial<RoleMapping>>(memberId, 'roles')) ?? {}) };
  return { process, roles };
}
