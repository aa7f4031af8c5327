import { z } from 'zod';
import { dateInZone } from '../app/clock.js';
import { defineRobot } from '../app/robots.js';
import { attachToOrganisation } from '../app/membership/new-application.js';
import { dealStepWithOrganisation } from '../handlers/robot-step.js';

/** The applicant joins the organisation from the application; its chairman becomes responsible. */
export default defineRobot({
  code: 'attach-to-organisation',
  properties: z.object({}).passthrough(),
  async run(ctx) {
    const step = await dealStepWithOrganisation(ctx);
    const responsibleId = await attachToOrganisation(step, step.applicant, step.org, dateInZone(ctx.clock.now(), ctx.settings.process.timeZone));
    return { organisationId: String(step.org.id), responsibleId: String(responsibleId), message: `Контакт прикреплён к организации «${step.org.title}»` };
  },
});
