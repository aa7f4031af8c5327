/** Shapes shared by the parts of admission by list (parse → preview → plan → run → report). */
import type { DuplicateCandidate, DuplicateHints } from '../../crm/duplicates.js';
import type { MemberStatus } from '../../domain/membership/status.js';

/** Hard limits of one upload. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
export const MAX_DATA_ROWS = 10_000;

/** A problem with one cell or row, in words for the clerk. `row` is the spreadsheet row number. */
export interface RowError {
  row: number;
  /** The column's header as written in the file (or the field's usual title). */
  column: string;
  message: string;
}

/** One person as read from the file, checked. Dates are YYYY-MM-DD, phone +7…, e-mail lower case. */
export interface PersonRow {
  row: number;
  lastName: string;
  firstName: string;
  middleName: string;
  birthDate: string | null;
  phone: string | null;
  email: string | null;
  /** The organisation exactly as written in the file. */
  organisation: string;
  position: string;
  joinDate: string | null;
  nameKey: string;
  errors: RowError[];
}

export type PreviewStatus = 'ok' | 'error' | 'duplicate';

export interface PreviewCandidate extends DuplicateCandidate {
  /** «совпадает ФИО и дата рождения» */
  hintText: string;
  /** Title of the candidate's organisation, when it is one of the union's. */
  companyTitle: string | null;
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
  /** The matched organisation's title in the portal. */
  organisationTitle: string | null;
  position: string;
  joinDate: string | null;
  errors: RowError[];
  /** An earlier row of the same file with the same name. */
  inFile: { row: number; hints: DuplicateHints; hintText: string } | null;
  /** Contacts in the portal with the same name. */
  candidates: PreviewCandidate[];
}

export interface Preview {
  uploadId: string;
  fileName: string;
  format: 'csv' | 'xlsx';
  /** How the file was read, for the page to show («CSV, Windows-1251, разделитель «;»»). */
  readAs: string;
  /** Spreadsheet row number of the header row. */
  headerRow: number;
  columns: { field: string; title: string; header: string }[];
  ignoredColumns: string[];
  total: number;
  counts: Record<PreviewStatus, number>;
  rows: PreviewRow[];
  /** Where the upload has already been run. */
  runId: string | null;
}

export type AdmissionMode = 'members' | 'applications';
/** What to do with a row that has a duplicate. */
export type DuplicateAction = 'skip' | 'new' | 'update';

export interface ExecuteOptions {
  mode: AdmissionMode;
  /** YYYY-MM-DD: join date (members) for rows without one, or the application date. */
  date: string;
  /** The file's own join date wins over `date` (members mode). */
  useFileDates: boolean;
  /** For every duplicate not listed in `rows`. */
  duplicateDefault: DuplicateAction;
  rows: Record<string, { action: DuplicateAction; contactId?: number }>;
}

/** One row of the execution plan. Kept in memory and in the portal's disk, never in SQLite. */
export interface PlanEntry {
  row: number;
  action: 'create' | 'update' | 'skip' | 'error';
  /** «Иванова Мария Петровна» (for the report). */
  name: string;
  /** For create. */
  person?: {
    lastName: string;
    firstName: string;
    middleName: string;
    birthDate: string | null;
    phone: string | null;
    email: string | null;
    position: string;
    nameKey: string;
  };
  companyId?: number | null;
  /** For create: the namesakes the clerk saw in the preview (and chose to admit anyway). */
  knownContacts?: number[];
  /** For update: the existing contact. */
  contactId?: number;
  /** YYYY-MM-DD: status date (members) or application date. */
  date: string;
  /** Why a row is skipped or in error. */
  message?: string;
}

export interface Plan {
  version: 1;
  runId: string;
  memberId: string;
  mode: AdmissionMode;
  userId: number;
  fileName: string;
  createdAt: number;
  entries: PlanEntry[];
}

export type RowOutcome = 'created' | 'updated' | 'unchanged' | 'skipped' | 'error' | 'failed';

export interface RowResult {
  row: number;
  outcome: RowOutcome;
  contactId: number | null;
  dealId: number | null;
  message: string;
}

export type RunStatus = 'queued' | 'running' | 'retrying' | 'done' | 'failed';

/** Progress of a run as kept in SQLite: counts and ids only, no personal data. */
export interface RunState {
  runId: string;
  status: RunStatus;
  mode: AdmissionMode;
  userId: number;
  /** Rows in the plan (all of them, errors and skips included). */
  total: number;
  /** Rows that need a write. */
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
  planFileId: number | null;
  reportFileId: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export type { MemberStatus };
