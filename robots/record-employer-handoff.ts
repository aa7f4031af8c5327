import { z } from 'zod';
import { defineRobot, optionalProp, RobotFailure } from '../app/robots.js';
import { HANDOFF_METHODS, recordEmployerHandoff } from '../app/membership/employer.js';
import { currentEntry } from '../handlers/stage-actions.js';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'дата в формате ГГГГ-ММ-ДД').transform((s) => s.slice(0, 10));

/** When and how the dues application went to the employer; the accountant is notified. */
export default defineRobot({
  code: 'record-employer-handoff',
  properties: z.object({
    date: optionalProp(isoDate),
    how: optionalProp(z.enum(HANDOFF_METHODS, { error: 'выберите способ из списка' })),
  }),
  async run(ctx, props) {
    if (ctx.document.entityTypeId !== 2) throw new RobotFailure('Робот работает со сделками.');
    const { entryKey } = await currentEntry(ctx, ctx.document.id);
    const r = await recordEmployerHandoff(ctx, ctx.document.id, entryKey, { date: props.date, how: props.how });
    return { date: r.date, message: `Передача работодателю: ${r.date}` };
  },
});
