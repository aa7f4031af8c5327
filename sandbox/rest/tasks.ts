/** tasks.task.add — answers `{task: {...}}` with camelCase keys and string values. */
import { formatIso, parseDate } from '../clock.js';
import { RestFault } from '../errors.js';
import { nextId } from '../ids.js';
import { asInt, asObject, asString, ok, pick, type Registry } from './registry.js';

function camel(upper: string): string {
  return upper.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function stringify(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stringify);
  if (v === null || v === undefined) return null;
  return typeof v === 'object' ? v : String(v);
}

export function registerTasks(registry: Registry): void {
  registry.add('tasks.task.add', {
    scopes: ['task'],
    handler: (ctx, params) => {
      const fields = asObject(pick(params, 'fields', 'FIELDS'));
      if (!fields) throw new RestFault('ERROR_CORE', 'Wrong fields', 400);
      if (!asString(fields['TITLE'])) throw new RestFault('ERROR_CORE', 'Не указано название задачи', 400);
      const responsible = asInt(fields['RESPONSIBLE_ID']);
      if (responsible === null || !ctx.portal.state.users.some((u) => u.id === responsible)) {
        throw new RestFault('ERROR_CORE', 'Не указан ответственный', 400);
      }
      const { state, clock } = ctx.portal;
      const id = nextId(state, 'task');
      const now = formatIso(clock.now());
      const task: Record<string, unknown> = {
        id: String(id),
        parentId: '0',
        title: '',
        description: '',
        priority: '1',
        status: '2',
        groupId: '0',
        stageId: '0',
        createdBy: String(ctx.caller.userId ?? 1),
        createdDate: now,
        changedBy: String(ctx.caller.userId ?? 1),
        changedDate: now,
        deadline: null,
      };
      for (const [k, v] of Object.entries(fields)) task[camel(k)] = stringify(v);
      if (fields['DEADLINE']) {
        const ms = parseDate(fields['DEADLINE']);
        task['deadline'] = Number.isFinite(ms) ? formatIso(ms) : asString(fields['DEADLINE']);
      }
      state.tasks.push({ id, fields: task, createdAt: clock.now() });
      ctx.portal.events.emit('ONTASKADD', { ID: id }, ctx.caller.userId);
      return ok({ task });
    },
  });
}
