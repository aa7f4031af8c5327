// Boot data the server injects into each page in place of the `<!--DU_BOOT-->` marker:
//   <script>window.__DU_BOOT__ = {...}</script>

export type BootPage = 'settings' | 'install';

export interface BootUser {
  id: number;
  name: string;
  isAdmin: boolean;
  roles: string[];
}

export interface Boot {
  /** Short-lived signed session for our /api calls (header X-DU-Session). */
  session: string;
  page: BootPage;
  /** Placement code the portal opened us with (DEFAULT for the app page). */
  placement: string;
  /** PLACEMENT_OPTIONS, flattened to strings. */
  options: Record<string, string>;
  user: BootUser;
  portal: { domain: string };
}

declare global {
  interface Window {
    __DU_BOOT__?: Partial<Boot>;
  }
}

/** Reads and normalises the boot data; `null` when the page was opened without it. */
export function readBoot(win: Window = window): Boot | null {
  const raw = win.__DU_BOOT__;
  if (!raw || typeof raw !== 'object' || typeof raw.session !== 'string' || raw.session === '') {
    return null;
  }
  const user = (raw.user ?? {}) as Partial<BootUser>;
  return {
    session: raw.session,
    page: raw.page === 'install' ? 'install' : 'settings',
    placement: typeof raw.placement === 'string' ? raw.placement : 'DEFAULT',
    options: raw.options && typeof raw.options === 'object' ? raw.options : {},
    user: {
      id: Number(user.id) || 0,
      name: typeof user.name === 'string' ? user.name : '',
      isAdmin: user.isAdmin === true,
      roles: Array.isArray(user.roles) ? user.roles.filter((r): r is string => typeof r === 'string') : [],
    },
    portal: { domain: typeof raw.portal?.domain === 'string' ? raw.portal.domain : '' },
  };
}

let cached: Boot | null | undefined;

/** The page's boot data (read once). */
export function getBoot(): Boot | null {
  if (cached === undefined) cached = readBoot();
  return cached;
}
