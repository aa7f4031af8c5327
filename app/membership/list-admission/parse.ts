/**
 * Reading an uploaded list into rows of strings: CSV (UTF-8 or Windows-1251 — Russian Excel saves
 * "CSV (разделители — точки с запятой)" in cp1251 with `;` — or Excel's UTF-16 "Unicode text") and
 * XLSX (exceljs). Row numbers are the spreadsheet's, so messages point where the clerk looks.
 */
import { parse as parseCsvSync } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { MAX_DATA_ROWS, MAX_FILE_BYTES } from './types.js';

/** A problem with the whole file; the message is for the clerk. */
export class ListFileError extends Error {
  readonly details: { field: string; message: string }[];
  constructor(message: string, details: { field: string; message: string }[] = []) {
    super(message);
    this.name = 'ListFileError';
    this.details = details;
  }
}

export type Encoding = 'utf-8' | 'windows-1251' | 'utf-16le' | 'utf-16be';
export type Delimiter = ';' | ',' | '\t';

export interface RawTable {
  format: 'csv' | 'xlsx';
  encoding?: Encoding;
  delimiter?: Delimiter;
  sheetName?: string;
  /** Non-empty rows with their spreadsheet row number; cells trimmed; XLSX dates as YYYY-MM-DD. */
  rows: { row: number; cells: string[] }[];
}

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OLE = [0xd0, 0xcf, 0x11, 0xe0];
const startsWith = (buf: Uint8Array, sig: number[]) => sig.every((b, i) => buf[i] === b);

/** Detects the text encoding: BOMs first, then strict UTF-8, else Windows-1251. */
export function decodeText(buf: Uint8Array): { text: string; encoding: Encoding } {
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return { text: new TextDecoder('utf-8').decode(buf.subarray(3)), encoding: 'utf-8' };
  if (buf[0] === 0xff && buf[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(buf.subarray(2)), encoding: 'utf-16le' };
  if (buf[0] === 0xfe && buf[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(buf.subarray(2)), encoding: 'utf-16be' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(buf), encoding: 'utf-8' };
  } catch {
    return { text: new TextDecoder('windows-1251').decode(buf), encoding: 'windows-1251' };
  }
}

/** Count of a character outside double quotes in one line. */
function countOutsideQuotes(line: string, ch: string): number {
  let n = 0;
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === ch && !quoted) n += 1;
  }
  return n;
}

/**
 * `;`, `,` or tab: the candidate that splits the first lines into the same number of fields
 * most consistently (a comma inside a name or an address does not fool it), `;` on a tie —
 * that is what Russian Excel writes.
 */
export function detectDelimiter(text: string): Delimiter {
  const lines = text.split(/\r\n|\n|\r/).filter((l) => l.trim() !== '').slice(0, 20);
  let best: { d: Delimiter; score: number; fields: number } = { d: ';', score: -1, fields: 0 };
  for (const d of [';', '\t', ','] as Delimiter[]) {
    const counts = lines.map((l) => countOutsideQuotes(l, d));
    const head = counts[0] ?? 0;
    if (head === 0) continue;
    const score = counts.filter((c) => c === head).length;
    if (score > best.score || (score === best.score && head > best.fields)) best = { d, score, fields: head };
  }
  return best.d;
}

const isBlankRow = (cells: string[]) => cells.every((c) => c === '');

function limitRows(rows: RawTable['rows']): RawTable['rows'] {
  // The header is one row more; a little slack for title rows above it.
  if (rows.length > MAX_DATA_ROWS + 11) {
    throw new ListFileError(`В файле больше ${MAX_DATA_ROWS.toLocaleString('ru-RU')} строк. Разделите список на несколько файлов.`);
  }
  return rows;
}

export function parseCsv(buf: Uint8Array): RawTable {
  const { text, encoding } = decodeText(buf);
  if (text.includes('\u0000')) throw new ListFileError('Файл не похож на таблицу CSV. Сохраните список в Excel как «CSV (разделители — точки с запятой)» или как .xlsx.');
  const delimiter = detectDelimiter(text);
  let records: string[][];
  try {
    records = parseCsvSync(text, {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      bom: true,
    }) as string[][];
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    throw new ListFileError(`Не удалось прочитать CSV${line ? ` (строка ${line})` : ''}: проверьте кавычки в ячейках или сохраните файл как .xlsx.`);
  }
  const rows: RawTable['rows'] = [];
  records.forEach((rec, i) => {
    const cells = rec.map((c) => String(c ?? '').replace(/\u00a0/g, ' ').trim());
    if (!isBlankRow(cells)) rows.push({ row: i + 1, cells });
  });
  return { format: 'csv', encoding, delimiter, rows: limitRows(rows) };
}

const pad = (n: number) => String(n).padStart(2, '0');
const isoOfUtc = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;

/** One XLSX cell as text: rich text joined, hyperlinks (e-mails!) by their text, formulas by their result. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : isoOfUtc(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'да' : 'нет';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.richText)) return (v.richText as { text?: unknown }[]).map((r) => String(r.text ?? '')).join('');
    if ('result' in v) return cellText(v.result);
    if ('formula' in v || 'sharedFormula' in v) return '';
    if ('text' in v) return cellText(v.text);
    if ('error' in v) return '';
  }
  return String(value);
}

export async function parseXlsx(buf: Uint8Array): Promise<RawTable> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength) as never);
  } catch {
    throw new ListFileError('Не удалось открыть файл Excel: он повреждён или это не .xlsx. Откройте его в Excel и сохраните заново как .xlsx.');
  }
  // The first sheet that has anything on it.
  for (const ws of wb.worksheets) {
    const rows: RawTable['rows'] = [];
    let tooMany = false;
    ws.eachRow({ includeEmpty: false }, (row, rowNumber) => {
      if (rows.length > MAX_DATA_ROWS + 11) {
        tooMany = true;
        return;
      }
      const values = Array.isArray(row.values) ? (row.values as unknown[]).slice(1) : [];
      const cells = Array.from({ length: values.length }, (_, i) => cellText(values[i]).replace(/\u00a0/g, ' ').trim());
      if (!isBlankRow(cells)) rows.push({ row: rowNumber, cells });
    });
    if (tooMany) limitRows(new Array(MAX_DATA_ROWS + 12));
    if (rows.length > 0) return { format: 'xlsx', sheetName: ws.name, rows: limitRows(rows) };
  }
  return { format: 'xlsx', sheetName: wb.worksheets[0]?.name ?? '', rows: [] };
}

/** CSV or XLSX by content (the name only breaks ties); refuses old .xls and anything too big. */
export async function readListFile(buf: Uint8Array, fileName = ''): Promise<RawTable> {
  if (buf.byteLength === 0) throw new ListFileError('Файл пустой.');
  if (buf.byteLength > MAX_FILE_BYTES) throw new ListFileError(`Файл больше ${MAX_FILE_BYTES / 1024 / 1024} МБ. Разделите список на несколько файлов.`);
  if (startsWith(buf, OLE)) throw new ListFileError('Формат .xls (Excel 97–2003) не поддерживается. Сохраните файл как .xlsx или CSV.');
  if (startsWith(buf, ZIP)) return parseXlsx(buf);
  if (/\.xlsx$/i.test(fileName)) throw new ListFileError('Файл назван .xlsx, но это не книга Excel. Сохраните его заново как .xlsx или CSV.');
  return parseCsv(buf);
}

export function describeReading(t: RawTable): string {
  if (t.format === 'xlsx') return `Excel (.xlsx)${t.sheetName ? `, лист «${t.sheetName}»` : ''}`;
  const enc = { 'utf-8': 'UTF-8', 'windows-1251': 'Windows-1251', 'utf-16le': 'UTF-16', 'utf-16be': 'UTF-16' }[t.encoding ?? 'utf-8'];
  const del = { ';': 'точка с запятой', ',': 'запятая', '\t': 'табуляция' }[t.delimiter ?? ';'];
  return `CSV, кодировка ${enc}, разделитель — ${del}`;
}
