// Boot data of the public application page (server: app/http/public.ts, GET /apply/:slug).
// No session here: the page is public and talks only to /apply/:slug.

export interface PublicOrg {
  id: number;
  title: string;
  type: 'primary' | 'workshop';
  /** The primary organisation of a workshop. */
  parent: number | null;
}

export interface OrgList {
  union: string | null;
  orgs: PublicOrg[];
}

export type ApplyState = 'open' | 'not-found' | 'unavailable';

export interface ApplyBoot {
  slug: string;
  state: ApplyState;
  /** The portal's today (YYYY-MM-DD): the age check uses the same date as the server. */
  today: string;
  union: string | null;
  /** null when the portal did not answer while the page was rendered: the page asks again. */
  orgs: PublicOrg[] | null;
}

const localToday = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

export function readApplyBoot(win: Window = window): ApplyBoot {
  const raw = (win.__DU_BOOT__ ?? {}) as Record<string, unknown>;
  const state = raw.state === 'open' || raw.state === 'not-found' ? raw.state : 'unavailable';
  const orgs = Array.isArray(raw.orgs)
    ? (raw.orgs as PublicOrg[]).filter((o) => o && typeof o.id === 'number' && typeof o.title === 'string')
    : null;
  return {
    slug: typeof raw.slug === 'string' ? raw.slug : '',
    state: raw.slug ? state : 'not-found',
    today: typeof raw.today === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(raw.today) ? raw.today : localToday(),
    union: typeof raw.union === 'string' && raw.union ? raw.union : null,
    orgs,
  };
}
