/**
 * The union's organisations (companies with an org type) and matching the organisation named in
 * a list row to one of them: exact title after normalisation (case, «ё», quotes, dashes, spaces,
 * «№1» = «№ 1»). A title that occurs twice in the hierarchy can be given with its parent:
 * «ППО АО «Завод» / Цех № 1».
 */
import { requireMapped, type HandlerContext } from '../../context.js';
import { mapKeys } from '../../registry/names.js';

export interface Organisation {
  id: number;
  title: string;
  type: string | null;
  parentId: number | null;
  chairmanId: number;
}

const ORG_TYPES = ['territorial', 'primary', 'workshop'] as const;
export const ORG_TYPE_TITLES: Record<string, string> = { territorial: 'ТО', primary: 'ППО', workshop: 'ЦПО' };

const str = (v: unknown) => (v === null || v === undefined || v === false ? '' : String(v));
const idOf = (v: unknown): number | null => {
  const n = Number(str(Array.isArray(v) ? v[0] : v).replace(/^CO_/i, ''));
  return Number.isInteger(n) && n > 0 ? n : null;
};

/** Every company that has an org type: one list request per 2,500 organisations (keyset walk). */
export async function loadOrganisations(ctx: Pick<HandlerContext, 'rest' | 'map'>): Promise<Organisation[]> {
  const typeField = requireMapped(ctx, mapKeys.field('company.orgType'));
  const parentField = requireMapped(ctx, mapKeys.field('company.parentOrg'));
  const typeIds = new Map<string, string>();
  for (const t of ORG_TYPES) {
    const id = ctx.map[mapKeys.enumItem('company.orgType', t)];
    if (id !== undefined) typeIds.set(String(id), t);
  }
  const out: Organisation[] = [];
  for await (const page of ctx.rest.walk<Record<string, unknown>>('crm.company.list', {
    filter: { [`@${typeField}`]: [...typeIds.keys()] },
    select: ['ID', 'TITLE', 'ASSIGNED_BY_ID', typeField, parentField],
  })) {
    for (const c of page) {
      out.push({
        id: Number(c.ID),
        title: str(c.TITLE),
        type: typeIds.get(str(c[typeField])) ?? null,
        parentId: idOf(c[parentField]),
        chairmanId: Number(c.ASSIGNED_BY_ID) || 0,
      });
    }
  }
  return out;
}

/** «ППО  АО «Завод»  — цех №1» → «ппо ао завод - цех № 1». */
export function normaliseOrgTitle(s: string): string {
  return s
    .normalize('NFC')
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/["'«»„“”‘’`]/g, ' ')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/\s*-\s*/g, ' - ')
    .replace(/№\s*/g, '№ ')
    .replace(/\s+/g, ' ')
    .replace(/[.\s]+$/, '')
    .trim();
}

export type OrgMatch = { ok: true; org: Organisation } | { ok: false; message: string };

export class OrganisationIndex {
  readonly #byTitle = new Map<string, Organisation[]>();
  readonly #byId = new Map<number, Organisation>();

  constructor(readonly orgs: Organisation[]) {
    for (const o of orgs) {
      this.#byId.set(o.id, o);
      const key = normaliseOrgTitle(o.title);
      this.#byTitle.set(key, [...(this.#byTitle.get(key) ?? []), o]);
    }
  }

  byId(id: number | null | undefined): Organisation | undefined {
    return id ? this.#byId.get(id) : undefined;
  }

  /** «ТО «…» / ППО «…» / Цех № 1» */
  path(o: Organisation): string {
    const chain: string[] = [];
    const seen = new Set<number>();
    for (let cur: Organisation | undefined = o; cur && !seen.has(cur.id); cur = this.byId(cur.parentId)) {
      seen.add(cur.id);
      chain.unshift(cur.title);
    }
    return chain.join(' / ');
  }

  #ancestors(o: Organisation): Organisation[] {
    const out: Organisation[] = [];
    const seen = new Set<number>([o.id]);
    for (let cur = this.byId(o.parentId); cur && !seen.has(cur.id); cur = this.byId(cur.parentId)) {
      seen.add(cur.id);
      out.push(cur);
    }
    return out;
  }

  match(text: string): OrgMatch {
    const raw = text.trim();
    if (!raw) return { ok: false, message: 'Не указана организация.' };
    const whole = this.#byTitle.get(normaliseOrgTitle(raw)) ?? [];
    let found = whole;
    if (found.length === 0 && /[/\\→>]/.test(raw)) {
      // A path: the last part names the organisation, the earlier ones its parents (in order).
      const parts = raw.split(/\s*[/\\→>]\s*/).map(normaliseOrgTitle).filter(Boolean);
      const last = parts.pop() ?? '';
      found = (this.#byTitle.get(last) ?? []).filter((o) => {
        const titles = this.#ancestors(o).map((a) => normaliseOrgTitle(a.title)).reverse();
        let at = 0;
        for (const p of parts) {
          at = titles.indexOf(p, at);
          if (at < 0) return false;
          at += 1;
        }
        return true;
      });
    }
    if (found.length === 1) return { ok: true, org: found[0]! };
    if (found.length > 1) {
      const paths = found.slice(0, 3).map((o) => `«${this.path(o)}»`).join(', ');
      return { ok: false, message: `Организация «${raw}» есть в структуре несколько раз (${paths}): укажите её вместе с вышестоящей через «/», например «${this.path(found[0]!)}».` };
    }
    return { ok: false, message: `Организация «${raw}» не найдена в структуре профсоюза. Проверьте название: оно должно совпадать с названием компании в CRM.` };
  }
}
