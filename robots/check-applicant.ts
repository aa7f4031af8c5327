import { z } from 'zod';
import { defineRobot } from '../app/robots.js';
import { describeCheck } from '../app/membership/check.js';
import { runCheck } from '../app/membership/new-application.js';
import { dealStep } from '../handlers/robot-step.js';

/** Membership status and duplicates of the deal's applicant; writes the result into the deal. */
export default defineRobot({
  code: 'check-applicant',
  properties: z.object({}).passthrough(),
  async run(ctx) {
    const step = await dealStep(ctx);
    const check = await runCheck(step, step.applicant);
    return {
      outcome: check.blockingStatus ? 'has-status' : check.duplicates.length ? 'duplicates' : 'new',
      status: check.blockingStatus?.status ?? '',
      duplicates: check.duplicates.map((d) => d.contactId).join(','),
      message: describeCheck(check),
    };
  },
});
