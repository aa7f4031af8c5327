import { RestError } from '../errors.js';
import type { WalkOptions } from './types.js';
import { outcomeOf, MAX_BATCH_COMMANDS, type BatchSender } from './batch.js';
import { batchCommandString } from './query.js';

/** Bitrix list pages are always 50 rows. */
export const PAGE_SIZE = 50;

/** Where the rows are in a list method's result; legacy lists return the array itself. */
const LIST_CONTAINERS: Record<string, string> = {
  'crm.item.list': 'items',
  'crm.type.list': 'types',
  'crm.category.list': 'categories',
};

export function listContainer(method: string): string | undefined {
  return LIST_CONTAINERS[method.toLowerCase()];
}

/** Modern CRM lists use camelCase `id`; legacy ones (`crm.deal.list`, `crm.status.list` …) use `ID`. */
export function inferIdField(method: string): string {
  return listContainer(method) ? 'id' : 'ID';
}

/** `$result[p3][items][49][id]`: the last row id of page p3, substituted by the portal inside the batch. */
export function lastIdReference(commandKey: string, container: string | undefined, idField: string): string {
  return `$result[${commandKey}]${container ? `[${container}]` : ''}[${PAGE_SIZE - 1}][${idField}]`;
}

/**
 * Keyset walk (`>id` filter, order by id ASC, `start=-1`: no COUNT) with up to 50 pages per batch request.
 * Page k+1 of a batch filters on page k's last id through a batch reference, so 100,000 rows take
 * about 40 requests instead of 2,000.
 *
 * The tail: when page k is short, its reference `[49]` does not exist and the portal substitutes
 * whatever part of the path did exist (the whole row array, or nothing) — the pages after it are
 * garbage. So the walk stops at the first page with fewer than 50 rows and ignores the rest of that
 * batch. As a second guard, rows not strictly after the last id seen are never yielded.
 * Yields one array per batch request.
 */
export async function* walkList<T>(sender: BatchSender, method: string, opts: WalkOptions = {}): AsyncGenerator<T[]> {
  const idField = opts.idField ?? inferIdField(method);
  const container = listContainer(method);
  const pages = Math.max(1, Math.min(MAX_BATCH_COMMANDS, Math.floor(opts.pagesPerBatch ?? MAX_BATCH_COMMANDS)));
  const select = opts.select && !opts.select.includes(idField) && !opts.select.includes('*') ? [idField, ...opts.select] : opts.select;
  let lastId = 0;
  for (;;) {
    const cmd: Record<string, string> = {};
    for (let p = 0; p < pages; p += 1) {
      const after = p === 0 ? lastId : lastIdReference(`p${p - 1}`, container, idField);
      cmd[`p${p}`] = batchCommandString(method, {
        order: { [idField]: 'ASC' },
        ...opts.params,
        filter: { ...opts.filter, [`>${idField}`]: after },
        ...(select ? { select } : {}),
        start: -1,
      });
    }
    const envelope = await sender.sendBatch(cmd, true);
    const batchRows: T[] = [];
    let finished = false;
    for (let p = 0; p < pages; p += 1) {
      const outcome = outcomeOf<unknown>(envelope, `p${p}`);
      if (!outcome.ok) {
        if (batchRows.length > 0) yield batchRows;
        throw new RestError(method, outcome.error.code, outcome.error.description, 200);
      }
      const rows = rowsOf(method, outcome.result, container);
      const ids = rows.map((row) => idOf(method, row, idField));
      if (ids.some((id) => id <= lastId)) {
        // The chain broke (a reference was not substituted as expected). Page 0 uses a literal id,
        // so if even it comes back unfiltered the portal ignores our filter: stop rather than loop.
        if (p === 0) throw new RestError(method, 'WALK_FILTER_IGNORED', `rows at or below ${idField} ${lastId} came back`, 200);
        break;
      }
      batchRows.push(...(rows as T[]));
      if (rows.length < PAGE_SIZE) {
        finished = true;
        break;
      }
      lastId = Math.max(...ids);
    }
    if (batchRows.length > 0) yield batchRows;
    if (finished) return;
  }
}

function rowsOf(method: string, result: unknown, container: string | undefined): Record<string, unknown>[] {
  const rows = container ? (result as Record<string, unknown> | null | undefined)?.[container] : result;
  if (!Array.isArray(rows)) throw new RestError(method, 'UNEXPECTED_LIST_SHAPE', `expected ${container ? `result.${container}` : 'result'} to be a list`, 200);
  return rows as Record<string, unknown>[];
}

function idOf(method: string, row: Record<string, unknown>, idField: string): number {
  const id = Number(row?.[idField]);
  if (!Number.isFinite(id)) throw new RestError(method, 'UNEXPECTED_LIST_SHAPE', `a row has no numeric ${idField}`, 200);
  return id;
}
