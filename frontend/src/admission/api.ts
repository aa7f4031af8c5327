// Client of /api/admission/* (app/http/api/admission.ts). Same transport and errors as the
// settings page (../api.ts): X-DU-Session header, JSON, ApiError with Russian texts.
import { getBoot } from '../boot';
import { ApiError, request, NETWORK_ERROR_HINT, NETWORK_ERROR_MESSAGE } from '../api';

export type MemberStatus = 'applied' | 'member' | 'suspended' | 'deregistered';
export type PreviewStatus = 'ok' | 'error' | 'duplicate';
export type AdmissionMode = 'members' | 'applications';
export type DuplicateAction = 'skip' | 'new' | 'update';

export interface RowError {
  row: number;
  column: string;
  message: string;
}

export interface Hints {
  birthDate: boolean;
  phone: boolean;
  email: boolean;
}

export interface Candidate {
  contactId: number;
  lastName: string;
  firstName: string;
  middleName: string;
  birthDate: string;
  companyId: number | null;
  companyTitle: string | null;
  status: MemberStatus | null;
  statusDate: string;
  hints: Hints;
  hintText: string;
}

export interface PreviewRow {
  row: number;
  status: PreviewStatus;
  lastName: string;
  firstName: string;
  middleName: string;
  birthDate: string | null;
  phone: string | null;
  email: string | null;
  organisation: string;
  organisationId: number | null;
  organisationTitle: string | null;
  position: string;
  joinDate: string | null;
  errors: RowError[];
  inFile: { row: number; hints: Hints; hintText: string } | null;
  candidates: Candidate[];
}

export interface Preview {
  uploadId: string;
  fileName: string;
  format: 'csv' | 'xlsx';
  readAs: string;
  headerRow: number;
  columns: { field: string; title: string; header: string }[];
  ignoredColumns: string[];
  total: number;
  counts: Record<PreviewStatus, number>;
  rows: PreviewRow[];
  runId: string | null;
}

export interface ExecuteRequest {
  uploadId: string;
  mode: AdmissionMode;
  date: string;
  useFileDates: boolean;
  duplicateDefault: DuplicateAction;
  rows: Record<string, { action: DuplicateAction; contactId?: number }>;
}

export type RunStatus = 'queued' | 'running' | 'retrying' | 'done' | 'failed';

export interface RunState {
  runId: string;
  status: RunStatus;
  mode: AdmissionMode;
  total: number;
  toWrite: number;
  processed: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  errors: number;
  failed: number;
  attempts: number;
  lastError: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** The file as base64 without the `data:` prefix. */
export function fileToBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(new ApiError(0, 'FILE_READ', 'Не удалось прочитать файл с диска.', 'Выберите файл ещё раз.'));
    reader.readAsDataURL(file);
  });
}

/** Saves the report through the browser (the request needs the session header, so no plain link). */
async function downloadReport(runId: string): Promise<void> {
  const headers: Record<string, string> = {};
  const session = getBoot()?.session;
  if (session) headers['X-DU-Session'] = session;
  let res: Response;
  try {
    res = await fetch(`/api/admission/report/${encodeURIComponent(runId)}`, { headers, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'NETWORK', NETWORK_ERROR_MESSAGE, NETWORK_ERROR_HINT);
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: string; message?: string; hint?: string } | null;
    throw new ApiError(res.status, body?.error ?? `HTTP_${res.status}`, body?.message ?? 'Отчёт не получен.', body?.hint ?? '');
  }
  const blob = await res.blob();
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `otchet-${runId}.csv`;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const admissionApi = {
  upload: (fileName: string, contentBase64: string) => request<Preview>('/api/admission/upload', { method: 'POST', body: { fileName, contentBase64 } }),
  preview: (uploadId: string) => request<Preview>(`/api/admission/preview/${encodeURIComponent(uploadId)}`),
  execute: (body: ExecuteRequest) => request<{ run: RunState }>('/api/admission/execute', { method: 'POST', body }),
  progress: (runId: string) => request<{ run: RunState }>(`/api/admission/progress/${encodeURIComponent(runId)}`),
  downloadReport,
};
