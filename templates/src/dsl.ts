/**
 * Typed placeholders and the shared pieces of the five documents (page, header block, signature lines).
 *
 * Placeholders are docx-templates commands with the delimiter pair CMD ('+++' … '+++'). Their paths
 * are checked against the view types in app/documents/catalog.ts at compile time:
 *
 *   const $ = placeholders<ApplicationToJoinView>();
 *   p([t('от '), $.ins('applicant.genitive')])       // +++INS applicant.genitive+++
 *   ...$.when('applicant.phone', [p(...)])            // +++IF applicant.phone+++ … +++END-IF+++
 *   $.each('members', 'm', (m) => [p([m.ins('line')])]) // +++FOR m IN members+++ … +++$m.line+++ …
 */
import type { ItemAt, LeafPath, ListPath } from '../../app/documents/catalog.js';
import { b, cell, p, t, type Block, type DocumentSpec, type Paragraph, type Row, type Table, type TextRun } from './ooxml.js';

/** The command delimiters used by every bundled template and expected in portal templates. */
export const CMD_OPEN = '+++';
export const CMD_CLOSE = '+++';
export const cmd = (body: string) => `${CMD_OPEN}${body}${CMD_CLOSE}`;

type RunFormat = Omit<TextRun, 'text'>;

export interface Placeholders<V> {
  /** Insert a value. */
  ins(path: LeafPath<V>, f?: RunFormat): TextRun;
  /** Paragraphs kept only when the value is non-empty / true (command paragraphs vanish in the output). */
  when(path: LeafPath<V>, blocks: Block[]): Block[];
  /** Paragraphs kept only when the value is empty / false. */
  unless(path: LeafPath<V>, blocks: Block[]): Block[];
  /** Runs kept only when the value is non-empty, inside one paragraph. */
  inline(path: LeafPath<V>, runs: TextRun[]): TextRun[];
  /** Repeat paragraphs for each item of a list. */
  each<L extends ListPath<V>>(list: L, varName: string, body: (item: Placeholders<ItemAt<V, L>>) => Block[]): Block[];
  /** Repeat a table row for each item of a list (the FOR/END-FOR commands sit in rows of their own). */
  eachRow<L extends ListPath<V>>(list: L, varName: string, columns: number, row: (item: Placeholders<ItemAt<V, L>>) => Row): Row[];
}

function make<V>(prefix: string): Placeholders<V> {
  const path = (x: string) => `${prefix}${x}`;
  const self: Placeholders<V> = {
    ins: (x, f = {}) => t(cmd(`INS ${path(x)}`), f),
    when: (x, blocks) => [p(cmd(`IF ${path(x)}`)), ...blocks, p(cmd('END-IF'))],
    unless: (x, blocks) => [p(cmd(`IF !${path(x)}`)), ...blocks, p(cmd('END-IF'))],
    inline: (x, runs) => [t(cmd(`IF ${path(x)}`)), ...runs, t(cmd('END-IF'))],
    each: (list, varName, body) => [p(cmd(`FOR ${varName} IN ${path(list)}`)), ...body(make(`$${varName}.`)), p(cmd(`END-FOR ${varName}`))],
    eachRow: (list, varName, columns, row) => {
      const marker = (text: string): Row => ({ cells: [cell(p(text), { span: columns })] });
      return [marker(cmd(`FOR ${varName} IN ${path(list)}`)), row(make(`$${varName}.`)), marker(cmd(`END-FOR ${varName}`))];
    },
  };
  return self;
}

export function placeholders<V>(): Placeholders<V> {
  return make<V>('');
}

// ───────────────────────────── page and common blocks ─────────────────────────────

/** A4, GOST R 7.0.97 margins (left 2.5 cm for binding, right 1.5, top and bottom 2). */
export const PAGE = { top: 2, right: 1.5, bottom: 2, left: 2.5 };
/** Text width on the page, cm. */
export const TEXT_WIDTH = 21 - PAGE.left - PAGE.right;
/** The addressee block ("Председателю … от …") sits in the right half. */
export const HEADER_INDENT = 8.5;
/** The red line of a body paragraph. */
export const RED_LINE = 1.25;

export function documentSpec(title: string, fontSize: number, blocks: Block[]): DocumentSpec {
  return { title, fontSize, font: 'Times New Roman', page: PAGE, blocks };
}

/** A line of the addressee block. */
export const head = (runs: TextRun[], opts: { after?: number } = {}): Paragraph => p(runs, { indentLeft: HEADER_INDENT, align: 'left', ...opts });

/** The centred title. */
export const title = (text: string, opts: { before?: number; after?: number; size?: number } = {}): Paragraph =>
  p([b(text, { size: opts.size })], { align: 'center', before: opts.before ?? 18, after: opts.after ?? 0, keepNext: true });

/** A justified body paragraph with the red line. */
export const body = (runs: TextRun[] | string, opts: { before?: number; after?: number; keepNext?: boolean } = {}): Paragraph =>
  p(typeof runs === 'string' ? [t(runs)] : runs, { align: 'both', firstLine: RED_LINE, after: opts.after ?? 0, before: opts.before, keepNext: opts.keepNext });

/** A small caption under a line ("(подпись)"). */
export const caption = (text: string): Paragraph => p([t(text, { size: 9 })], { align: 'center' });

/**
 * The date and signature line as a borderless table, so the blanks line up in Word and LibreOffice:
 *
 *   «15» сентября 2025 г.        ____________          А.С. Иванова
 *                                  (подпись)       (расшифровка подписи)
 */
export function signatureBlock(date: TextRun[], signature: TextRun[], opts: { before?: number; dateCaption?: string } = {}): Block[] {
  // date | gap | signature line | gap | transcript; the gaps keep the two lines apart.
  const cols = [5.0, 0.4, 4.0, 0.4, 7.2];
  const blank = () => cell(p(''));
  const tbl: Table = {
    kind: 'table',
    columns: cols,
    borders: false,
    rows: [
      {
        cells: [
          cell(p(date, { align: 'left' }), { vAlign: 'bottom' }),
          blank(),
          cell(p(''), { vAlign: 'bottom' }),
          blank(),
          cell(p(signature, { align: 'center' }), { vAlign: 'bottom' }),
        ],
      },
      {
        cells: [
          cell(opts.dateCaption ? caption(opts.dateCaption) : p('')),
          blank(),
          cell(caption('(подпись)'), { borderTop: true }),
          blank(),
          cell(caption('(расшифровка подписи)'), { borderTop: true }),
        ],
      },
    ],
  };
  return [p('', { before: opts.before ?? 24, keepNext: true }), tbl];
}

/** An official's signature: "Председатель …   ________   П.П. Петров". */
export function officialSignature(role: TextRun[], name: TextRun[], opts: { before?: number } = {}): Block[] {
  const tbl: Table = {
    kind: 'table',
    columns: [5.4, 4.0, 0.4, 7.2],
    borders: false,
    rows: [
      { cells: [cell(p(role), { vAlign: 'bottom' }), cell(p(''), { vAlign: 'bottom' }), cell(p('')), cell(p(name, { align: 'right' }), { vAlign: 'bottom' })] },
      { cells: [cell(p('')), cell(caption('(подпись)'), { borderTop: true }), cell(p('')), cell(p(''))] },
    ],
  };
  return [p('', { before: opts.before ?? 24, keepNext: true }), tbl];
}
