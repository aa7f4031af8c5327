/**
 * The bundled document templates, described in TypeScript. `npx tsx scripts/build-templates.ts`
 * writes them to templates/<key>.docx; a test rebuilds them in memory and checks the committed
 * files are up to date.
 */
import type { TemplateKey } from '../../app/documents/catalog.js';
import applicationToJoin from './application-to-join.js';
import consentDistribution from './consent-distribution.js';
import consentProcessing from './consent-processing.js';
import duesDeduction from './dues-deduction.js';
import { buildDocx, type DocumentSpec } from './ooxml.js';
import resolution from './resolution.js';

export const TEMPLATE_SOURCES: Record<TemplateKey, DocumentSpec> = {
  'application-to-join': applicationToJoin,
  'consent-processing': consentProcessing,
  'consent-distribution': consentDistribution,
  'dues-deduction': duesDeduction,
  resolution,
};

export function buildTemplate(key: TemplateKey): Promise<Buffer> {
  return buildDocx(TEMPLATE_SOURCES[key]);
}
