import { z } from 'zod';
import { once } from '../app/effects.js';
import { defineRobot, RobotFailure } from '../app/robots.js';
import { currentEntry } from '../handlers/stage-actions.js';

/**
 * The stage's own action, for admins who drive the process by robots (or turned event handling
 * off). It shares the effect key of the event path, so the two together still act once per entry.
 */
export default defineRobot({
  code: 'run-stage-action',
  properties: z.object({}).passthrough(),
  async run(ctx) {
    if (ctx.document.entityTypeId !== 2) throw new RobotFailure('Робот работает только в сделках воронки «Вступление в профсоюз».');
    const { item, action, entryKey } = await currentEntry(ctx, ctx.document.id);
    if (!action) throw new RobotFailure('На этой стадии у приложения нет действия. Поставьте робота на стадию воронки «Вступление в профсоюз».');
    if (action.mode === 'watch') {
      await action.run(ctx, item, entryKey);
      return { message: action.title };
    }
    const ran = await once(ctx, entryKey, () => action.run(ctx, item, entryKey));
    return { message: ran ? `Выполнено: ${action.title}` : 'Действие стадии уже выполнено' };
  },
});
