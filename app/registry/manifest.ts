import { readFileSync } from 'node:fs';
import { z } from 'zod';

const langText = z.union([z.string().min(1), z.record(z.string(), z.string().min(1))]);
const kebab = z.string().regex(/^[a-z][a-z0-9-]*$/, 'kebab-case');
const semantics = z.enum(['process', 'success', 'failure']);

const robotProperty = z.object({
  name: langText,
  description: langText.optional(),
  type: z.enum(['bool', 'date', 'datetime', 'double', 'int', 'select', 'string', 'text', 'user', 'file']),
  required: z.boolean().optional(),
  multiple: z.boolean().optional(),
  options: z.record(z.string(), z.string()).optional(),
  default: z.string().optional(),
});

const robot = z.object({
  code: kebab,
  documentType: z.enum(['deal', 'contact', 'company', 'lead']).or(z.string().regex(/^spa:[a-z][a-zA-Z0-9]*$/)),
  name: langText,
  description: langText.optional(),
  properties: z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*$/), robotProperty).default({}),
  returnProperties: z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*$/), robotProperty).default({}),
});

const eventBinding = z.object({
  event: z.string().regex(/^[A-Z0-9_]+$/),
  offline: z.boolean().default(false),
  options: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});

const placement = z.object({
  code: z.string().regex(/^[A-Z0-9_]+$/),
  /** Our page module and URL segment (placements/<page>.ts, /placements/<page>). */
  page: kebab,
  title: langText,
  description: langText.optional(),
});

const stage = z.object({
  key: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
  name: z.string().min(1),
  semantics,
  sort: z.number().int(),
  color: z.string().regex(/^#[0-9A-Fa-f]{6}$/),
});

const pipeline = z.object({
  key: z.string().regex(/^[a-z][a-zA-Z0-9]*$/),
  entity: z.literal('deal'),
  name: z.string().min(1),
  sort: z.number().int().default(500),
  stages: z.array(stage).min(2),
});

const fieldType = z.enum(['string', 'integer', 'double', 'boolean', 'date', 'datetime', 'enumeration', 'file', 'employee', 'crm', 'url', 'money']);
const enumItem = z.object({ xmlId: z.string().regex(/^[a-z][a-z0-9_]*$/), value: z.string().min(1) });

const spaField = z.object({
  key: z.string().regex(/^[a-z][a-zA-Z0-9]*$/),
  name: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
  type: fieldType,
  label: z.string().min(1),
  required: z.boolean().default(false),
  multiple: z.boolean().default(false),
  list: z.array(enumItem).optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
});

const smartProcess = z.object({
  key: z.string().regex(/^[a-z][a-zA-Z0-9]*$/),
  title: z.string().min(1),
  flags: z.record(z.string().regex(/^is[A-Z][a-zA-Z]*Enabled$/), z.enum(['Y', 'N'])).default({}),
  parents: z.array(z.number().int()).default([]),
  stages: z.array(stage).min(2),
  fields: z.array(spaField).default([]),
});

const userField = z.object({
  key: z.string().regex(/^(deal|contact|company)\.[a-z][a-zA-Z0-9]*$/),
  entity: z.enum(['deal', 'contact', 'company']),
  name: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
  type: fieldType,
  label: z.string().min(1),
  multiple: z.boolean().default(false),
  required: z.boolean().default(false),
  list: z.array(enumItem).optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
});

export const manifestSchema = z
  .object({
    version: z.string().regex(/^\d+\.\d+\.\d+$/),
    scopes: z.array(z.string()),
    robots: z.array(robot),
    events: z.array(eventBinding),
    placements: z.array(placement),
    pipelines: z.array(pipeline),
    smartProcesses: z.array(smartProcess),
    userFields: z.array(userField),
  })
  .superRefine((m, ctx) => {
    const unique = (what: string, keys: string[]) => {
      const seen = new Set<string>();
      for (const k of keys) {
        if (seen.has(k)) ctx.addIssue({ code: 'custom', message: `duplicate ${what}: ${k}` });
        seen.add(k);
      }
    };
    unique('robot code', m.robots.map((r) => r.code));
    unique('event binding', m.events.map((e) => `${e.event}:${e.offline}`));
    unique('placement', m.placements.map((p) => `${p.code}:${p.page}`));
    unique('pipeline', m.pipelines.map((p) => p.key));
    unique('smart process', m.smartProcesses.map((s) => s.key));
    unique('user field', m.userFields.map((f) => f.key));
    unique('user field name', m.userFields.map((f) => `${f.entity}:${f.name}`));
    for (const f of [...m.userFields, ...m.smartProcesses.flatMap((s) => s.fields)]) {
      if (f.type === 'enumeration' && !f.list?.length) ctx.addIssue({ code: 'custom', message: `enumeration ${f.key} needs a list` });
    }
    for (const p of m.pipelines) {
      if (p.stages[0]?.key !== 'NEW') ctx.addIssue({ code: 'custom', message: `pipeline ${p.key}: the first stage must be NEW` });
    }
  });

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestRobot = Manifest['robots'][number];
export type ManifestRobotProperty = ManifestRobot['properties'][string];
export type ManifestStage = Manifest['pipelines'][number]['stages'][number];
export type ManifestUserField = Manifest['userFields'][number];
export type ManifestSpaField = Manifest['smartProcesses'][number]['fields'][number];

export function parseManifest(raw: unknown): Manifest {
  return manifestSchema.parse(raw);
}

export function loadManifest(path = new URL('../../manifest.json', import.meta.url)): Manifest {
  return parseManifest(JSON.parse(readFileSync(path, 'utf8')));
}
