// Boot data of the applicant's upload page (server: app/http/public.ts, GET /upload/:token).

export type UploadState = 'open' | 'processing' | 'received' | 'approved' | 'closed' | 'expired' | 'forged' | 'not-found' | 'unavailable';

export interface UploadLimits {
  maxFiles: number;
  maxFileBytes: number;
  maxTotalBytes: number;
}

export interface UploadBoot {
  token: string;
  state: UploadState;
  firstName: string | null;
  /** Files already in the application's signed-documents field. */
  files: number;
  /** Unix ms when the link stops working. */
  expiresAt: number | null;
  limits: UploadLimits;
}

const STATES: UploadState[] = ['open', 'processing', 'received', 'approved', 'closed', 'expired', 'forged', 'not-found', 'unavailable'];
const MB = 1024 * 1024;

export function readUploadBoot(win: Window = window): UploadBoot {
  const raw = (win.__DU_BOOT__ ?? {}) as Record<string, unknown>;
  const limits = (raw.limits ?? {}) as Partial<UploadLimits>;
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : d);
  return {
    token: typeof raw.token === 'string' ? raw.token : '',
    state: STATES.includes(raw.state as UploadState) ? (raw.state as UploadState) : 'forged',
    firstName: typeof raw.firstName === 'string' && raw.firstName ? raw.firstName : null,
    files: num(raw.files, 0),
    expiresAt: typeof raw.expiresAt === 'number' ? raw.expiresAt : null,
    limits: { maxFiles: num(limits.maxFiles, 8), maxFileBytes: num(limits.maxFileBytes, 10 * MB), maxTotalBytes: num(limits.maxTotalBytes, 50 * MB) },
  };
}
