// Client of /api/member/* (app/http/api/member.ts) for the contact card tab. Same transport and
// errors as the other pages (../api.ts): X-DU-Session header, JSON, ApiError with Russian texts.
import { getBoot } from '../boot';
import { ApiError, request, NETWORK_ERROR_HINT, NETWORK_ERROR_MESSAGE } from '../api';

export type MemberStatus = 'applied' | 'member' | 'suspended' | 'deregistered';
export type DeregistrationReason = 'voluntary' | 'dismissal' | 'transfer' | 'exclusion' | 'death' | 'other';
export type StatusSource = 'robot' | 'stage' | 'card' | 'list' | 'decision';

export interface FileRef {
  id: number;
  title: string;
  /** Our server's proxy (needs the session header, so it is fetched, not linked). */
  href: string;
}

export interface HistoryEntry {
  commentId: number;
  status: MemberStatus;
  statusTitle: string;
  /** YYYY-MM-DD */
  from: string;
  until: string | null;
  reason: DeregistrationReason | null;
  reasonTitle: string | null;
  source: StatusSource;
  sourceTitle: string;
  /** ISO date-time with offset. */
  recordedAt: string;
  by: { id: number; name: string } | null;
}

export interface CurrentStatus {
  code: MemberStatus;
  title: string;
  from: string | null;
  until: string | null;
  reason: DeregistrationReason | null;
  reasonTitle: string | null;
}

export interface Organisation {
  id: number;
  title: string;
  orgType: string | null;
  orgTypeTitle: string | null;
}

export interface MembershipDeal {
  id: number;
  title: string;
  stageTitle: string;
  stageSemantics: 'process' | 'success' | 'failure';
  createdAt: string;
  appliedAt: string | null;
  generated: FileRef[];
  signed: FileRef[];
}

export interface Resolution {
  id: number;
  title: string;
  number: string;
  date: string | null;
  stageTitle: string;
  dealId: number | null;
  file: FileRef | null;
}

export interface MemberView {
  contactId: number;
  /** The portal's today (its time zone), YYYY-MM-DD. */
  today: string;
  timeZone: string;
  status: CurrentStatus | null;
  joinedAt: string | null;
  statusNote: string | null;
  /** Newest first (by effective date). */
  history: HistoryEntry[];
  /** From the top of the hierarchy down to the contact's own organisation. */
  organisations: Organisation[];
  deals: MembershipDeal[];
  resolutions: Resolution[];
  warnings: string[];
  permissions: { canEdit: boolean; reason: string | null };
  options: {
    statuses: { value: MemberStatus; label: string }[];
    reasons: { value: DeregistrationReason; label: string }[];
  };
}

export interface StatusChangeRequest {
  status: MemberStatus;
  from: string;
  until?: string;
  reason?: DeregistrationReason;
}

export interface StatusChangeResult {
  /** false when the contact already had this status from this date. */
  changed: boolean;
  view: MemberView;
}

/** Saves a file through the browser: the request needs the session header, so no plain link. */
async function download(file: FileRef): Promise<void> {
  const headers: Record<string, string> = {};
  const session = getBoot()?.session;
  if (session) headers['X-DU-Session'] = session;
  let res: Response;
  try {
    res = await fetch(file.href, { headers, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'NETWORK', NETWORK_ERROR_MESSAGE, NETWORK_ERROR_HINT);
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: string; message?: string; hint?: string } | null;
    throw new ApiError(res.status, body?.error ?? `HTTP_${res.status}`, body?.message ?? 'Файл не получен.', body?.hint ?? '');
  }
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileNameOf(res.headers.get('content-disposition')) ?? `${file.title}.docx`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The UTF-8 name of a Content-Disposition header (RFC 6266), else its plain name. */
export function fileNameOf(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1]!.trim());
    } catch {
      /* use the plain name */
    }
  }
  return /filename\s*=\s*"?([^";]+)"?/i.exec(header)?.[1]?.trim() ?? null;
}

export const memberApi = {
  get: (contactId: number) => request<MemberView>(`/api/member/${contactId}`),
  changeStatus: (contactId: number, body: StatusChangeRequest) => request<StatusChangeResult>(`/api/member/${contactId}/status`, { method: 'POST', body }),
  download,
};
