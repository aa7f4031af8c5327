/**
 * Packing registry commands into as few `batch` requests as their dependencies allow.
 *
 * A command may use the result of an earlier command of the same request through a placeholder
 * `{{name}}` followed by a path, e.g. `DEAL_STAGE_{{change:pipeline:membership}}[category][id]`.
 * The placeholder names the command whose `ref` is `name`; the packer keeps both in the same batch
 * (the portal substitutes `$result[key]…` only inside one batch) and rewrites the placeholder to
 * `$result[cN]`, N being the command's position in that batch.
 *
 * Keys: RestClient.batch() (app/rest/batch.ts runBatch) names the commands of a call `c0`, `c1` …
 * in order, and we never hand it more than one batch's worth at a time, so position N is key `cN`.
 * test/unit/registry-pack.test.ts pins that contract.
 */
import { MAX_BATCH_COMMANDS } from '../rest/batch.js';
import type { BatchCommand, BatchOutcome, RestClient } from '../rest/types.js';

export interface PackItem {
  cmd: BatchCommand;
  /** Name other commands use to reference this command's result (`{{ref}}`). */
  ref?: string;
}

const PLACEHOLDER = /\{\{([^{}]+)\}\}/g;

/** The key RestClient.batch() gives the command at `position` of one call. */
export const batchKey = (position: number) => `c${position}`;

/** Names this command's params reference. */
export function referencesOf(cmd: BatchCommand): string[] {
  const text = JSON.stringify(cmd.params ?? {});
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/**
 * Groups of items that must share a batch (connected by references), as item indices in list order.
 * Throws when a reference names no earlier item (a planning bug, not a portal fault).
 */
export function dependencyGroups(items: PackItem[]): number[][] {
  const parent = items.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const byRef = new Map<string, number>();
  items.forEach((item, i) => {
    for (const name of referencesOf(item.cmd)) {
      const j = byRef.get(name);
      if (j === undefined) throw new Error(`registry batch: ${item.cmd.method} references {{${name}}}, which is not an earlier command`);
      parent[find(i)] = find(j);
    }
    if (item.ref) {
      if (byRef.has(item.ref)) throw new Error(`registry batch: two commands are named ${item.ref}`);
      byRef.set(item.ref, i);
    }
  });
  const groups = new Map<number, number[]>();
  items.forEach((_, i) => {
    const root = find(i);
    const g = groups.get(root);
    if (g) g.push(i);
    else groups.set(root, [i]);
  });
  // Map keeps insertion order: groups come in the order of their first member.
  return [...groups.values()];
}

/**
 * Splits items into batches of at most `max` commands, keeping every group in one batch.
 * Groups are placed in the order of their first member and each runs as one block there; an item
 * without references (a read appended last, say) therefore runs after everything listed before it.
 * Returns item indices per batch, in execution order.
 */
export function packBatches(items: PackItem[], max = MAX_BATCH_COMMANDS): number[][] {
  const batches: number[][] = [];
  let current: number[] = [];
  for (const group of dependencyGroups(items)) {
    if (group.length > max) {
      const names = group.map((i) => items[i]!.cmd.method).join(', ');
      throw new Error(`registry batch: ${group.length} commands depend on each other (${names}); more than ${max} cannot share one request`);
    }
    if (current.length + group.length > max) {
      batches.push(current);
      current = [];
    }
    current.push(...group);
  }
  if (current.length) batches.push(current);
  return batches;
}

/**
 * When `items` overflow one batch, the independent ones (no reference either way) that `deferrable`
 * allows are left for a later request, from the end, until the rest fits. Returns the indices kept,
 * in order. A round that creates containers uses this: its follow-up request (stage fixes plus the
 * verify read) usually has room, and one request less is spent.
 */
export function keepOneBatch(items: PackItem[], deferrable: (index: number) => boolean, max = MAX_BATCH_COMMANDS): number[] {
  const independent = new Set(dependencyGroups(items).filter((g) => g.length === 1).map((g) => g[0]!));
  const dropped = new Set<number>();
  for (let i = items.length - 1; i >= 0 && items.length - dropped.size > max; i--) {
    if (independent.has(i) && deferrable(i)) dropped.add(i);
  }
  return items.map((_, i) => i).filter((i) => !dropped.has(i));
}

/** The batch's commands with placeholders turned into `$result[cN]` references to positions in it. */
export function bindReferences(items: PackItem[], batch: number[]): BatchCommand[] {
  const position = new Map<string, number>();
  batch.forEach((i, pos) => {
    const ref = items[i]!.ref;
    if (ref) position.set(ref, pos);
  });
  const bind = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.replace(PLACEHOLDER, (_m, name: string) => {
        const pos = position.get(name);
        if (pos === undefined) throw new Error(`registry batch: {{${name}}} is not in the same batch`);
        return `$result[${batchKey(pos)}]`;
      });
    }
    if (Array.isArray(value)) return value.map(bind);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bind(v)]));
    return value;
  };
  return batch.map((i) => {
    const { method, params } = items[i]!.cmd;
    return params ? { method, params: bind(params) as Record<string, unknown> } : { method };
  });
}

/** Runs the items in packed batches (one request each) and returns one outcome per item, in item order. */
export async function runPacked(client: RestClient, items: PackItem[]): Promise<BatchOutcome[]> {
  const outcomes = new Array<BatchOutcome>(items.length);
  for (const batch of packBatches(items)) {
    const answers = await client.batch(bindReferences(items, batch));
    batch.forEach((i, pos) => {
      outcomes[i] = answers[pos] ?? { ok: false, error: { code: 'BATCH_NO_ANSWER', description: 'no outcome for this command' } };
    });
  }
  return outcomes;
}
