import { z } from 'zod';
import { defineRobot } from '../app/robots.js';
import { prepareDocuments } from '../app/membership/new-application.js';
import { dealStepWithOrganisation } from '../handlers/robot-step.js';

/** The four admission documents into the deal (once per stage entry). */
export default defineRobot({
  code: 'generate-documents',
  properties: z.object({}).passthrough(),
  async run(ctx) {
    const step = await dealStepWithOrganisation(ctx);
    await prepareDocuments(step, step.applicant, step.org);
    return { message: 'Документы сформированы и приложены к сделке' };
  },
});
