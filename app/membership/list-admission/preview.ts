/**
 * Upload → preview: read the file, map its columns, check every row, match organisations, find
 * duplicates inside the file and in the portal. Two portal requests for a typical list (the
 * organisations, and one duplicate search per 2,000 names).
 */
import type { HandlerContext } from '../../context.js';
import { describeHints, findDuplicates, type DuplicateHints } from '../../crm/duplicates.js';
import { columnTitle, FIELD_TITLES, mapColumns, type ListField } from './columns.js';
import { loadOrganisations, OrganisationIndex } from './organisations.js';
import { describeReading, ListFileError, readListFile } from './parse.js';
import { readRows } from './rows.js';
import { MAX_DATA_ROWS, type PersonRow, type Preview, type PreviewRow, type PreviewStatus } from './types.js';

export interface Analysis {
  preview: Preview;
  people: PersonRow[];
  /** Row number → matched organisation id. */
  organisationOf: Map<number, number>;
}

function inFileHints(a: PersonRow, b: PersonRow): DuplicateHints {
  return {
    birthDate: Boolean(a.birthDate) && a.birthDate === b.birthDate,
    phone: Boolean(a.phone) && a.phone === b.phone,
    email: Boolean(a.email) && a.email === b.email,
  };
}

export async function analyseList(
  ctx: Pick<HandlerContext, 'rest' | 'map'>,
  file: Uint8Array,
  opts: { fileName: string; today: string; uploadId: string },
): Promise<Analysis> {
  const table = await readListFile(file, opts.fileName);
  const map = mapColumns(table);
  const people = readRows(table, map, { today: opts.today });
  if (people.length === 0) throw new ListFileError('Под строкой заголовков нет ни одной заполненной строки.');
  if (people.length > MAX_DATA_ROWS) throw new ListFileError(`В списке ${people.length.toLocaleString('ru-RU')} строк, а за один раз можно загрузить не больше ${MAX_DATA_ROWS.toLocaleString('ru-RU')}. Разделите список на несколько файлов.`);

  const orgs = new OrganisationIndex(await loadOrganisations(ctx));
  const organisationOf = new Map<number, number>();
  const orgColumn = columnTitle(map, 'organisation');
  for (const p of people) {
    if (!p.organisation) continue;
    const m = orgs.match(p.organisation);
    if (m.ok) organisationOf.set(p.row, m.org.id);
    else p.errors.push({ row: p.row, column: orgColumn, message: m.message });
  }

  const valid = people.filter((p) => p.errors.length === 0);
  const firstByKey = new Map<string, PersonRow>();
  const inFile = new Map<number, PersonRow>();
  for (const p of valid) {
    const first = firstByKey.get(p.nameKey);
    if (first) inFile.set(p.row, first);
    else firstByKey.set(p.nameKey, p);
  }
  const found = await findDuplicates(ctx, valid);
  const candidatesOf = new Map(valid.map((p, i) => [p.row, found[i] ?? []]));

  const rows: PreviewRow[] = people.map((p) => {
    const orgId = organisationOf.get(p.row) ?? null;
    const first = inFile.get(p.row);
    const candidates = (candidatesOf.get(p.row) ?? []).map((c) => ({ ...c, hintText: describeHints(c.hints), companyTitle: orgs.byId(c.companyId)?.title ?? null }));
    const status: PreviewStatus = p.errors.length ? 'error' : first || candidates.length ? 'duplicate' : 'ok';
    const hints = first ? inFileHints(p, first) : null;
    return {
      row: p.row,
      status,
      lastName: p.lastName,
      firstName: p.firstName,
      middleName: p.middleName,
      birthDate: p.birthDate,
      phone: p.phone,
      email: p.email,
      organisation: p.organisation,
      organisationId: orgId,
      organisationTitle: orgs.byId(orgId)?.title ?? null,
      position: p.position,
      joinDate: p.joinDate,
      errors: p.errors,
      inFile: first && hints ? { row: first.row, hints, hintText: describeHints(hints) } : null,
      candidates,
    };
  });

  const counts: Record<PreviewStatus, number> = { ok: 0, error: 0, duplicate: 0 };
  for (const r of rows) counts[r.status] += 1;
  const columns = (Object.keys(map.index) as ListField[]).map((field) => ({ field, title: FIELD_TITLES[field], header: map.header[field] ?? '' }));
  return {
    people,
    organisationOf,
    preview: {
      uploadId: opts.uploadId,
      fileName: opts.fileName,
      format: table.format,
      readAs: describeReading(table),
      headerRow: map.headerRow,
      columns,
      ignoredColumns: map.ignored,
      total: rows.length,
      counts,
      rows,
      runId: null,
    },
  };
}
