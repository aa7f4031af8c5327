import { z } from 'zod';
import { defineRobot, RobotFailure } from '../app/robots.js';
import { createResolution } from '../app/membership/resolution.js';

/** The resolution item (numbered per organisation and year) with its document; idempotent per deal. */
export default defineRobot({
  code: 'create-resolution',
  properties: z.object({}).passthrough(),
  async run(ctx) {
    if (ctx.document.entityTypeId !== 2) throw new RobotFailure('Робот работает со сделками.');
    const r = await createResolution(ctx, ctx.document.id);
    return { resolutionId: String(r.id), number: r.number, date: r.date, message: r.created ? `Постановление № ${r.number} создано` : `Постановление № ${r.number} уже есть` };
  },
});
