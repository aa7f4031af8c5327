/**
 * Writes templates/<key>.docx from the sources in templates/src/. Run after editing a source:
 *   npx tsx scripts/build-templates.ts
 * The .docx files are committed; test/unit/documents.test.ts fails when they are stale.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CATALOG, TEMPLATE_KEYS } from '../app/documents/catalog.js';
import { buildTemplate } from '../templates/src/index.js';

const dir = fileURLToPath(new URL('../templates/', import.meta.url));

for (const key of TEMPLATE_KEYS) {
  const file = `${dir}${CATALOG[key].file}`;
  await writeFile(file, await buildTemplate(key));
  process.stdout.write(`wrote templates/${CATALOG[key].file}\n`);
}
