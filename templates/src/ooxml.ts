/**
 * A small, readable model of a Word document and its serialisation to OOXML (.docx via jszip).
 *
 * The bundled templates are described in TypeScript (templates/src/<key>.ts) with this model, and
 * scripts/build-templates.ts writes them to templates/<key>.docx. The output is deterministic (fixed
 * zip dates, fixed part order), so a test can rebuild them in memory and compare.
 *
 * Units: lengths in centimetres, font sizes in points; converted to twips / half-points here.
 */
import JSZip from 'jszip';

export type Align = 'left' | 'center' | 'right' | 'both';

export interface TextRun {
  text: string;
  bold?: boolean;
  italic?: boolean;
  underline?: boolean;
  /** Font size in points; default: the document's body size. */
  size?: number;
  /** Font family for this run only (e.g. a symbol font for check boxes). */
  font?: string;
  caps?: boolean;
  /** Letter spacing in points (for spaced-out titles). */
  spacing?: number;
}

export type Run = TextRun | { tab: true } | { br: true };

export interface TabStop {
  /** Position from the left text margin, cm. */
  pos: number;
  align: 'left' | 'center' | 'right';
  leader?: 'underscore' | 'dot';
}

export interface Paragraph {
  kind: 'p';
  runs: Run[];
  align?: Align;
  /** Left indent, cm. */
  indentLeft?: number;
  /** First-line indent, cm (the red line of Russian office documents is 1.25 cm). */
  firstLine?: number;
  /** Space before / after, pt. */
  before?: number;
  after?: number;
  /** Line spacing as a multiple of single (1, 1.15, 1.5). */
  line?: number;
  keepNext?: boolean;
  keepLines?: boolean;
  tabs?: TabStop[];
  /** Bottom border (a line to write on). */
  borderBottom?: boolean;
}

export interface Cell {
  blocks: Paragraph[];
  /** Vertical alignment. */
  vAlign?: 'top' | 'center' | 'bottom';
  /** Grey background (table headers). */
  shade?: boolean;
  /** Merge this many grid columns. */
  span?: number;
  /** Per-cell borders for borderless layout tables: only the top line (a signature line's caption). */
  borderTop?: boolean;
}

export interface Row {
  cells: Cell[];
  /** Repeat as a header row on every page. */
  header?: boolean;
  cantSplit?: boolean;
}

export interface Table {
  kind: 'table';
  /** Column widths, cm; their sum is the table width. */
  columns: number[];
  rows: Row[];
  /** Grid lines around every cell (a data table) or none (a layout table for signatures). */
  borders: boolean;
  /** Indent from the left margin, cm. */
  indentLeft?: number;
}

export type Block = Paragraph | Table;

export interface PageSetup {
  /** Margins, cm. */
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export interface DocumentSpec {
  /** docProps/core.xml title. */
  title: string;
  /** Body font size, pt. */
  fontSize: number;
  font: string;
  page: PageSetup;
  blocks: Block[];
}

// ───────────────────────────── builders (terse helpers for the template sources) ─────────────────────────────

export const t = (text: string, f: Omit<TextRun, 'text'> = {}): TextRun => ({ text, ...f });
export const b = (text: string, f: Omit<TextRun, 'text'> = {}): TextRun => ({ text, bold: true, ...f });
export const tab: Run = { tab: true };
export const br: Run = { br: true };
export const p = (runs: Run[] | string, opts: Omit<Paragraph, 'kind' | 'runs'> = {}): Paragraph => ({
  kind: 'p',
  runs: typeof runs === 'string' ? [t(runs)] : runs,
  ...opts,
});
export const cell = (blocks: Paragraph[] | Paragraph, opts: Omit<Cell, 'blocks'> = {}): Cell => ({ blocks: Array.isArray(blocks) ? blocks : [blocks], ...opts });

// ───────────────────────────── serialisation ─────────────────────────────

const cm = (v: number) => Math.round((v * 1440) / 2.54);
const halfPt = (pt: number) => Math.round(pt * 2);
const twPt = (pt: number) => Math.round(pt * 20);

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function runXml(r: Run): string {
  if ('tab' in r) return '<w:r><w:tab/></w:r>';
  if ('br' in r) return '<w:r><w:br/></w:r>';
  const props: string[] = [];
  if (r.font) props.push(`<w:rFonts w:ascii="${escapeXml(r.font)}" w:hAnsi="${escapeXml(r.font)}" w:cs="${escapeXml(r.font)}" w:eastAsia="${escapeXml(r.font)}"/>`);
  if (r.bold) props.push('<w:b/><w:bCs/>');
  if (r.italic) props.push('<w:i/><w:iCs/>');
  if (r.caps) props.push('<w:caps/>');
  if (r.spacing) props.push(`<w:spacing w:val="${twPt(r.spacing)}"/>`);
  if (r.size) props.push(`<w:sz w:val="${halfPt(r.size)}"/><w:szCs w:val="${halfPt(r.size)}"/>`);
  if (r.underline) props.push('<w:u w:val="single"/>');
  const rPr = props.length ? `<w:rPr>${props.join('')}</w:rPr>` : '';
  return `<w:r>${rPr}<w:t xml:space="preserve">${escapeXml(r.text)}</w:t></w:r>`;
}

function paragraphXml(par: Paragraph): string {
  const props: string[] = [];
  if (par.keepNext) props.push('<w:keepNext/>');
  if (par.keepLines) props.push('<w:keepLines/>');
  if (par.borderBottom) props.push('<w:pBdr><w:bottom w:val="single" w:sz="6" w:space="1" w:color="000000"/></w:pBdr>');
  if (par.tabs?.length) {
    props.push(`<w:tabs>${par.tabs.map((s) => `<w:tab w:val="${s.align}"${s.leader ? ` w:leader="${s.leader}"` : ''} w:pos="${cm(s.pos)}"/>`).join('')}</w:tabs>`);
  }
  if (par.before !== undefined || par.after !== undefined || par.line !== undefined) {
    const attrs = [
      par.before !== undefined ? `w:before="${twPt(par.before)}"` : '',
      par.after !== undefined ? `w:after="${twPt(par.after)}"` : '',
      par.line !== undefined ? `w:line="${Math.round(par.line * 240)}" w:lineRule="auto"` : '',
    ].filter(Boolean);
    props.push(`<w:spacing ${attrs.join(' ')}/>`);
  }
  if (par.indentLeft !== undefined || par.firstLine !== undefined) {
    const attrs = [par.indentLeft !== undefined ? `w:left="${cm(par.indentLeft)}"` : '', par.firstLine !== undefined ? `w:firstLine="${cm(par.firstLine)}"` : ''].filter(Boolean);
    props.push(`<w:ind ${attrs.join(' ')}/>`);
  }
  if (par.align) props.push(`<w:jc w:val="${par.align}"/>`);
  const pPr = props.length ? `<w:pPr>${props.join('')}</w:pPr>` : '';
  return `<w:p>${pPr}${par.runs.map(runXml).join('')}</w:p>`;
}

const BORDER = (side: string, on: boolean) => (on ? `<w:${side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>` : `<w:${side} w:val="nil"/>`);

function tableXml(tbl: Table): string {
  const width = tbl.columns.reduce((a, c) => a + c, 0);
  const sides = ['top', 'left', 'bottom', 'right', 'insideH', 'insideV'];
  const pad = tbl.borders ? 0.15 : 0;
  const tblPr = [
    `<w:tblW w:w="${cm(width)}" w:type="dxa"/>`,
    tbl.indentLeft ? `<w:tblInd w:w="${cm(tbl.indentLeft)}" w:type="dxa"/>` : '',
    `<w:tblBorders>${sides.map((s) => BORDER(s, tbl.borders)).join('')}</w:tblBorders>`,
    '<w:tblLayout w:type="fixed"/>',
    // Layout tables (no borders) get no side padding, so their text lines up with the body's margins.
    `<w:tblCellMar><w:top w:w="${cm(0.05)}" w:type="dxa"/><w:left w:w="${cm(pad)}" w:type="dxa"/><w:bottom w:w="${cm(0.05)}" w:type="dxa"/><w:right w:w="${cm(pad)}" w:type="dxa"/></w:tblCellMar>`,
    '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>',
  ].join('');
  const grid = `<w:tblGrid>${tbl.columns.map((c) => `<w:gridCol w:w="${cm(c)}"/>`).join('')}</w:tblGrid>`;
  const rows = tbl.rows
    .map((row) => {
      const trPr = [row.header ? '<w:tblHeader/>' : '', row.cantSplit !== false ? '<w:cantSplit/>' : ''].join('');
      let col = 0;
      const cells = row.cells
        .map((c) => {
          const span = c.span ?? 1;
          const w = tbl.columns.slice(col, col + span).reduce((a, x) => a + x, 0);
          col += span;
          const tcPr = [
            `<w:tcW w:w="${cm(w)}" w:type="dxa"/>`,
            span > 1 ? `<w:gridSpan w:val="${span}"/>` : '',
            c.borderTop ? `<w:tcBorders>${BORDER('top', true)}</w:tcBorders>` : '',
            c.shade ? '<w:shd w:val="clear" w:color="auto" w:fill="E7E6E6"/>' : '',
            `<w:vAlign w:val="${c.vAlign ?? 'top'}"/>`,
          ].join('');
          return `<w:tc><w:tcPr>${tcPr}</w:tcPr>${c.blocks.map(paragraphXml).join('')}</w:tc>`;
        })
        .join('');
      return `<w:tr>${trPr ? `<w:trPr>${trPr}</w:trPr>` : ''}${cells}</w:tr>`;
    })
    .join('');
  return `<w:tbl><w:tblPr>${tblPr}</w:tblPr>${grid}${rows}</w:tbl>`;
}

const NS_W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
const NS_R = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

export function documentXml(spec: DocumentSpec): string {
  const body = spec.blocks.map((blk) => (blk.kind === 'p' ? paragraphXml(blk) : tableXml(blk))).join('\n');
  const { page } = spec;
  const sectPr =
    `<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>` +
    `<w:pgMar w:top="${cm(page.top)}" w:right="${cm(page.right)}" w:bottom="${cm(page.bottom)}" w:left="${cm(page.left)}" w:header="709" w:footer="709" w:gutter="0"/>` +
    `<w:cols w:space="708"/><w:docGrid w:linePitch="360"/></w:sectPr>`;
  return `${XML_HEAD}<w:document xmlns:w="${NS_W}" xmlns:r="${NS_R}"><w:body>\n${body}\n${sectPr}</w:body></w:document>`;
}

export function stylesXml(spec: DocumentSpec): string {
  const f = escapeXml(spec.font);
  const fonts = `<w:rFonts w:ascii="${f}" w:hAnsi="${f}" w:cs="${f}" w:eastAsia="${f}"/>`;
  const sz = halfPt(spec.fontSize);
  return (
    `${XML_HEAD}<w:styles xmlns:w="${NS_W}">` +
    `<w:docDefaults><w:rPrDefault><w:rPr>${fonts}<w:sz w:val="${sz}"/><w:szCs w:val="${sz}"/><w:lang w:val="ru-RU" w:eastAsia="ru-RU" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>` +
    `<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>` +
    `<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/><w:pPr><w:widowControl/></w:pPr></w:style>` +
    `<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/></w:style>` +
    `<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:semiHidden/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>` +
    `</w:styles>`
  );
}

const SETTINGS_XML =
  `${XML_HEAD}<w:settings xmlns:w="${NS_W}"><w:zoom w:percent="100"/><w:defaultTabStop w:val="709"/><w:characterSpacingControl w:val="doNotCompress"/>` +
  `<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>` +
  `<w:themeFontLang w:val="ru-RU"/><w:decimalSymbol w:val=","/><w:listSeparator w:val=";"/></w:settings>`;

function fontTableXml(spec: DocumentSpec): string {
  return `${XML_HEAD}<w:fonts xmlns:w="${NS_W}"><w:font w:name="${escapeXml(spec.font)}"><w:panose1 w:val="02020603050405020304"/><w:charset w:val="CC"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font></w:fonts>`;
}

const CONTENT_TYPES_XML =
  `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
  '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>' +
  '<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>' +
  '<Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/>' +
  '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>' +
  '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>' +
  '</Types>';

const ROOT_RELS_XML =
  `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
  '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>' +
  '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>' +
  '</Relationships>';

const DOCUMENT_RELS_XML =
  `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>' +
  '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>' +
  '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable" Target="fontTable.xml"/>' +
  '</Relationships>';

function coreXml(spec: DocumentSpec): string {
  return (
    `${XML_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
    `<dc:title>${escapeXml(spec.title)}</dc:title><dc:creator>Цифровой профсоюз</dc:creator><dc:language>ru-RU</dc:language></cp:coreProperties>`
  );
}

const APP_XML = `${XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Digital Union template builder</Application></Properties>`;

/** Every part of the package, in a fixed order. */
export function packageParts(spec: DocumentSpec): [string, string][] {
  return [
    ['[Content_Types].xml', CONTENT_TYPES_XML],
    ['_rels/.rels', ROOT_RELS_XML],
    ['docProps/core.xml', coreXml(spec)],
    ['docProps/app.xml', APP_XML],
    ['word/document.xml', documentXml(spec)],
    ['word/_rels/document.xml.rels', DOCUMENT_RELS_XML],
    ['word/styles.xml', stylesXml(spec)],
    ['word/settings.xml', SETTINGS_XML],
    ['word/fontTable.xml', fontTableXml(spec)],
  ];
}

/** A fixed timestamp keeps the zip bytes stable between builds. */
const ZIP_DATE = new Date(Date.UTC(2025, 0, 1, 0, 0, 0));

export async function buildDocx(spec: DocumentSpec): Promise<Buffer> {
  const zip = new JSZip();
  for (const [name, xml] of packageParts(spec)) zip.file(name, xml, { date: ZIP_DATE, createFolders: false });
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 }, platform: 'DOS' });
}
