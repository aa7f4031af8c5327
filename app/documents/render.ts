/**
 * Rendering the documents with docx-templates.
 *
 * SAFETY. docx-templates evaluates every command as JavaScript: by default in Node's `vm` module,
 * which its own README and the Node docs say is not a security boundary, or with `noSandbox` in the
 * app's own realm. A portal admin can upload their own templates (template-source.ts), so a
 * template is untrusted input and must not run code on our server. We therefore pass our own
 * `runJs` and evaluate no JavaScript at all: a command is a dotted path into the view built by
 * catalog.ts (`applicant.fullName`, `$c.label`), optionally negated for IF (`!applicant.phone`).
 * The lookup follows own properties only (no `constructor`, `__proto__`, no functions), and an
 * unknown path is an error, so a misspelt placeholder fails loudly instead of printing nothing.
 * On top of that, templates that are not our bundled files are checked before rendering: only
 * INS (`=`, bare), IF/END-IF and FOR/END-FOR commands are allowed (no EXEC, IMAGE, LINK, HTML,
 * QUERY, ALIAS), the zip's size is bounded, and it must be a Word document.
 * docx-templates also treats text between `literalXmlDelimiter`s as raw XML; member data comes from
 * a public web form, so the delimiter is a random string per render that no data can contain.
 * The same path-only evaluator is used for the bundled templates, so they show what portals can do.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createReport, listCommands } from 'docx-templates';
import JSZip from 'jszip';
import { AppError } from '../errors.js';
import { ADMISSION_KEYS, CATALOG, admissionInputs, buildView, type AdmissionKey, type TemplateInput, type TemplateKey } from './catalog.js';

/** The command delimiters of every template (bundled and uploaded): `+++INS applicant.fullName+++`. */
export const CMD_DELIMITER: [string, string] = ['+++', '+++'];

/** Limits for a template (a .docx is a zip: bound both the file and what it unpacks to). */
export const MAX_TEMPLATE_BYTES = 5 * 1024 * 1024;
const MAX_UNPACKED_BYTES = 40 * 1024 * 1024;
/** docx-templates' loop guard, well below its default of 1,000,000 nodes. */
const MAX_WALKING_DEPTH = 200_000;

const ALLOWED_COMMANDS = new Set(['INS', 'IF', 'END-IF', 'FOR', 'END-FOR']);
const PATH = /^(!?)\s*(\$?[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)$/;
const FOR_EXPR = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s+IN\s+(.+?)\s*$/i;
const FORBIDDEN_SEGMENT = /^(__.*|constructor|prototype)$/;

/** A template that can't be used (not a .docx, a forbidden command, an unknown placeholder). */
export class TemplateError extends AppError {
  readonly reason = 'TEMPLATE_INVALID' as const;
  readonly template: string;
  readonly problems: string[];
  constructor(template: string, problems: string[]) {
    const title = (CATALOG as Record<string, { title: string } | undefined>)[template]?.title ?? template;
    super('VALIDATION_FAILED', `Шаблон «${title}» не подходит: ${problems.join('; ')}`, { reason: 'TEMPLATE_INVALID', template, problems });
    this.name = 'TemplateError';
    this.template = template;
    this.problems = problems;
  }
}

// ───────────────────────────── the path-only evaluator ─────────────────────────────

class PlaceholderError extends Error {}

/** Resolve `a.b.c` / `!a.b` against the view; never evaluates code. */
export function resolvePlaceholder(code: string, scope: Record<string, unknown>): unknown {
  const m = PATH.exec(code.trim());
  if (!m) throw new PlaceholderError(`«${code.trim()}» — не поле данных (в шаблоне допустимы только имена полей, например applicant.fullName)`);
  const negate = m[1] === '!';
  let value: unknown = scope;
  for (const seg of m[2]!.split('.')) {
    if (FORBIDDEN_SEGMENT.test(seg) || value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, seg)) {
      throw new PlaceholderError(`неизвестное поле «${m[2]}»`);
    }
    value = (value as Record<string, unknown>)[seg];
  }
  if (typeof value === 'function') throw new PlaceholderError(`неизвестное поле «${m[2]}»`);
  return negate ? !value : value;
}

type RunJs = NonNullable<Parameters<typeof createReport>[0]['runJs']>;
const runJs: RunJs = ({ sandbox }) => {
  const code = typeof sandbox.__code__ === 'string' ? sandbox.__code__ : '';
  return { modifiedSandbox: sandbox, result: resolvePlaceholder(code, sandbox) };
};

// ───────────────────────────── template checks ─────────────────────────────

function messageOf(e: unknown): string {
  if (e instanceof Error) {
    // docx-templates wraps our PlaceholderError in CommandExecutionError("Error executing command '…': …").
    const inner = (e as { err?: unknown }).err;
    if (inner instanceof PlaceholderError) return inner.message;
    return e.message;
  }
  return String(e);
}

/** A .docx from somewhere else (a portal's upload): is it a Word document with only the allowed commands? */
export async function checkTemplate(key: TemplateKey | string, buffer: Buffer): Promise<void> {
  if (buffer.length === 0) throw new TemplateError(key, ['файл пустой']);
  if (buffer.length > MAX_TEMPLATE_BYTES) throw new TemplateError(key, [`файл больше ${MAX_TEMPLATE_BYTES / 1024 / 1024} МБ`]);
  if (buffer[0] !== 0x50 || buffer[1] !== 0x4b) throw new TemplateError(key, ['это не файл .docx (ожидается документ Word)']);
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(buffer);
  } catch {
    throw new TemplateError(key, ['файл повреждён или это не .docx']);
  }
  let unpacked = 0;
  zip.forEach((_path, f) => {
    // JSZip keeps the sizes from the zip's directory on an internal field; read it without unpacking.
    unpacked += Number((f as unknown as { _data?: { uncompressedSize?: number } })._data?.uncompressedSize ?? 0);
  });
  if (unpacked > MAX_UNPACKED_BYTES) throw new TemplateError(key, ['документ слишком большой после распаковки']);
  const types = await zip.file('[Content_Types].xml')?.async('string');
  if (!types || !/wordprocessingml\.document\.main\+xml/.test(types)) throw new TemplateError(key, ['это не документ Word (.docx)']);
  // Macros would be copied into every generated document and sent to applicants.
  if (/macroEnabled/i.test(types) || Object.keys(zip.files).some((f) => /vbaProject\.bin$/i.test(f))) {
    throw new TemplateError(key, ['документ с макросами (.docm) не принимается — сохраните его как .docx']);
  }

  let commands: Awaited<ReturnType<typeof listCommands>>;
  try {
    commands = await listCommands(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer, CMD_DELIMITER);
  } catch (e) {
    throw new TemplateError(key, [`ошибка в командах шаблона: ${messageOf(e)}`]);
  }
  if (commands.length === 0) throw new TemplateError(key, [`в шаблоне нет ни одного поля (${CMD_DELIMITER[0]}INS applicant.fullName${CMD_DELIMITER[1]} и т. п.)`]);
  const problems: string[] = [];
  for (const c of commands) {
    if (!ALLOWED_COMMANDS.has(c.type)) {
      problems.push(`команда ${c.type} не разрешена (допустимы INS, IF, FOR): «${c.raw.trim().slice(0, 60)}»`);
      continue;
    }
    const expr = c.type === 'FOR' ? FOR_EXPR.exec(c.code)?.[2] : c.type === 'INS' || c.type === 'IF' ? c.code : undefined;
    if ((c.type === 'FOR' && expr === undefined) || (expr !== undefined && !PATH.test(expr.trim()))) {
      problems.push(`«${c.raw.trim().slice(0, 60)}» — допустимы только имена полей, без выражений`);
    }
  }
  if (problems.length) throw new TemplateError(key, problems);
}

// ───────────────────────────── rendering ─────────────────────────────

const bundled = new Map<TemplateKey, Promise<Buffer>>();

/** The template shipped with the app (templates/<key>.docx), read once per process. */
export function bundledTemplate(key: TemplateKey): Promise<Buffer> {
  let b = bundled.get(key);
  if (!b) {
    b = readFile(new URL(`../../templates/${CATALOG[key].file}`, import.meta.url));
    b.catch(() => bundled.delete(key));
    bundled.set(key, b);
  }
  return b;
}

async function fill(key: TemplateKey, template: Buffer, view: object, failFast: boolean): Promise<Buffer> {
  try {
    const out = await createReport({
      template,
      data: view,
      cmdDelimiter: CMD_DELIMITER,
      runJs,
      literalXmlDelimiter: `\u0001${randomUUID()}\u0001`,
      processLineBreaks: true,
      failFast,
      rejectNullish: true,
      maximumWalkingDepth: MAX_WALKING_DEPTH,
    });
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    const errors = Array.isArray(e) ? e : [e];
    throw new TemplateError(key, [...new Set(errors.map(messageOf))]);
  }
}

/**
 * Fill one template with the caller's data. `data` is validated first (TemplateDataError lists the
 * missing or wrong fields); `templateBuffer` is a portal's own version of the template (checked
 * before use), else the bundled file is used.
 */
export async function renderDocument<K extends TemplateKey>(key: K, data: TemplateInput<K>, templateBuffer?: Buffer): Promise<Buffer> {
  const view = buildView(key, data);
  if (templateBuffer) await checkTemplate(key, templateBuffer);
  return fill(key, templateBuffer ?? (await bundledTemplate(key)), view, true);
}

/** Render with the template's sample data, collecting every problem (for an upload's check). */
export async function renderSample<K extends TemplateKey>(key: K, templateBuffer: Buffer, sample: TemplateInput<K>): Promise<Buffer> {
  await checkTemplate(key, templateBuffer);
  return fill(key, templateBuffer, buildView(key, sample), false);
}

export interface RenderedDocument {
  key: TemplateKey;
  title: string;
  /** A file name for the portal's Drive, CRM file fields and e-mail attachments. */
  fileName: string;
  content: Buffer;
}

/**
 * File names are Russian, e.g. "1. Заявление о вступлении в профсоюз (Иванова А.С.).docx":
 * the applicant and the clerk read them in a mail client and on a deal card, and Bitrix24 stores
 * and sends UTF-8 names (RFC 2231 in mail) without trouble. Characters Windows refuses in file
 * names are removed, so a saved attachment keeps its name. A name is personal data: don't log it.
 */
export function documentFileName(key: TemplateKey, subject: string, index?: number): string {
  const clean = (s: string) =>
    s
      .replace(/[\u0000-\u001f\\/:*?"<>|]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  const base = clean(`${index === undefined ? '' : `${index}. `}${CATALOG[key].shortTitle}${subject ? ` (${subject})` : ''}`).slice(0, 150);
  return `${base}.docx`;
}

/**
 * The four admission documents (application to join, consent to processing, consent to
 * distribution, dues deduction) for one applicant, validated once. `templates` holds a portal's own
 * versions where it has them (template-source.ts `loadTemplates`); the rest are the bundled files.
 */
export async function renderAdmissionSet(data: unknown, templates: Partial<Record<AdmissionKey, Buffer>> = {}): Promise<RenderedDocument[]> {
  const inputs = admissionInputs(data);
  const subject = buildView('application-to-join', inputs['application-to-join']).applicant.surnameInitials.replace(/\u00a0/g, ' ');
  return Promise.all(
    ADMISSION_KEYS.map(async (key, i) => ({
      key,
      title: CATALOG[key].title,
      fileName: documentFileName(key, subject, i + 1),
      content: await renderDocument(key, inputs[key] as TemplateInput<typeof key>, templates[key]),
    })),
  );
}
