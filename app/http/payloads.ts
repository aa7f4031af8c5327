import { z } from 'zod';
import { AppError } from '../errors.js';

/**
 * What the portal posts, parsed once at the edge. Bodies are PHP-style forms (qs turns
 * `auth[member_id]=…` into objects); every leaf is a string. Unknown keys are dropped.
 */
const token = z.string().min(1).max(512);
const id = z.string().regex(/^\d{1,12}$/, 'expected a numeric id');
const endpoint = z
  .string()
  .max(512)
  .refine((v) => /^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(v), 'expected an http(s) URL');

export const authSchema = z.object({
  domain: z.string().min(1).max(255),
  client_endpoint: endpoint,
  server_endpoint: endpoint,
  member_id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'bad member_id'),
  application_token: token,
  access_token: token.optional(),
  refresh_token: token.optional(),
  expires: z.string().regex(/^\d{1,12}$/).optional(),
  expires_in: z.string().regex(/^\d{1,8}$/).optional(),
  scope: z.string().max(2000).optional(),
  status: z.string().max(4).optional(),
  user_id: id.optional(),
});
export type PortalAuth = z.infer<typeof authSchema>;

const scalarRecord = z.record(z.string().max(100), z.unknown());

export const eventSchema = z.object({
  event: z.string().regex(/^[A-Za-z0-9_]{1,100}$/, 'bad event name').transform((s) => s.toUpperCase()),
  event_handler_id: z.string().max(20).optional(),
  data: scalarRecord.optional().default({}),
  ts: z.string().regex(/^\d{1,12}$/, 'bad ts'),
  auth: authSchema,
});
export type EventPayload = z.infer<typeof eventSchema>;

const docTriple = z.tuple([z.string().min(1).max(100), z.string().min(1).max(200), z.string().min(1).max(100)]);
const propertyValue = z.union([z.string().max(100_000), z.array(z.string().max(100_000)).max(1000)]);

export const robotSchema = z.object({
  workflow_id: z.string().min(1).max(100),
  code: z.string().max(100),
  document_id: docTriple,
  document_type: docTriple,
  event_token: z.string().min(1).max(1000),
  properties: z.record(z.string().max(100), propertyValue).optional().default({}),
  use_subscription: z.enum(['Y', 'N']).optional(),
  timeout_duration: z.string().regex(/^\d{1,10}$/).optional(),
  ts: z.string().regex(/^\d{1,12}$/),
  auth: authSchema,
});
export type RobotPayload = z.infer<typeof robotSchema>;

/** The frame POST (app page, installer, placements): four keys in the query, the rest in the body. */
export const frameSchema = z.object({
  DOMAIN: z.string().regex(/^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/, 'bad DOMAIN'),
  PROTOCOL: z.enum(['0', '1']),
  LANG: z.string().max(10).optional(),
  APP_SID: z.string().max(100).optional(),
  AUTH_ID: token,
  AUTH_EXPIRES: z.string().regex(/^\d{1,8}$/).optional(),
  REFRESH_ID: token.optional(),
  SERVER_ENDPOINT: endpoint.optional(),
  APPLICATION_TOKEN: token.optional(),
  APPLICATION_SCOPE: z.string().max(2000).optional(),
  member_id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'bad member_id'),
  status: z.string().max(4).optional(),
  PLACEMENT: z.string().regex(/^[A-Z0-9_]{1,100}$/).optional().default('DEFAULT'),
  PLACEMENT_OPTIONS: z.string().max(100_000).optional(),
});
export type FramePost = z.infer<typeof frameSchema>;

/**
 * Portal forms nest at most 32 levels (the form parser refuses deeper ones); a JSON body can nest as
 * deep as its size allows, and a value nested thousands deep overflows the stack where it is
 * serialised (the queue stores payloads as JSON). True when `value` nests deeper than `limit`;
 * iterative, so the check itself cannot overflow.
 */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(v as Record<string, unknown>)) if (child && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

export function parseWith<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const details = r.error.issues.slice(0, 10).map((i) => ({ field: i.path.join('.') || what, message: i.message }));
  throw new AppError('VALIDATION_FAILED', `Invalid ${what}: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, details);
}

/** PLACEMENT_OPTIONS is a JSON string (sometimes the literal `undefined`). */
export function parsePlacementOptions(raw: string | undefined): Record<string, string> {
  if (!raw || raw === 'undefined') return {};
  try {
    const v = JSON.parse(raw) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => typeof x === 'string' || typeof x === 'number').map(([k, x]) => [k, String(x)]));
  } catch {
    throw new AppError('VALIDATION_FAILED', 'PLACEMENT_OPTIONS is not valid JSON', [{ field: 'PLACEMENT_OPTIONS', message: 'not JSON' }]);
  }
}

/** Bitrix sends `…/rest/` with a trailing slash; keep exactly one. */
export function normaliseEndpoint(url: string): string {
  return `${url.replace(/\/+$/, '')}/`;
}

/** `["crm","CCrmDocumentDeal","DEAL_123"]` → { entityTypeId: 2, id: 123 }. */
export function parseDocumentId(doc: readonly [string, string, string]): { entityTypeId: number; id: number } | null {
  const m = /^(LEAD|DEAL|CONTACT|COMPANY|QUOTE|SMART_INVOICE|DYNAMIC_(\d+))_(\d+)$/.exec(doc[2]);
  if (!m) return null;
  const fixed: Record<string, number> = { LEAD: 1, DEAL: 2, CONTACT: 3, COMPANY: 4, QUOTE: 7, SMART_INVOICE: 31 };
  const entityTypeId = m[2] ? Number(m[2]) : fixed[m[1]!]!;
  return { entityTypeId, id: Number(m[3]) };
}
