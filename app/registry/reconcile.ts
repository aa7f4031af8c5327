import type { Logger } from '../logger.js';
import type { RestClient } from '../rest/types.js';
import type { Store } from '../store/types.js';
import { changeId, knownAfterCreate, pendingContainers, planChanges, type Change, type Plan } from './diff.js';
import type { Manifest } from './manifest.js';
import { mapKeys, type InstallTarget } from './names.js';
import { keepOneBatch, runPacked, type PackItem } from './pack.js';
import { parseSnapshot, readsShowing, snapshotCommands, type KnownIds, type Snapshot } from './snapshot.js';

const ROBOT_HASHES = 'registry.robotHashes';
const MAX_ROUNDS = 4;

export interface RegistryDeps {
  store: Store;
  manifest: Manifest;
  client: RestClient;
  target: InstallTarget;
  logger: Logger;
  /**
   * False for a portal reached through an inbound webhook: robots, event bindings and placements
   * need an app context (the portal refuses them), so they are neither read nor planned.
   */
  appContext?: boolean;
}

/** Snapshot reads an inbound webhook cannot make (bizproc.robot.list, event.get, placement.get). */
const APP_CONTEXT_READS = new Set(['robots', 'events', 'placements']);

/** Reads everything the client may read in one batch (one HTTP request, while the reads fit in 50 commands). */
async function readSnapshot(deps: RegistryDeps, known: KnownIds): Promise<Snapshot> {
  const reads = snapshotCommands(deps.manifest, deps.target, known).filter((r) => deps.appContext !== false || !APP_CONTEXT_READS.has(r.name));
  const outcomes = await deps.client.batch(reads.map((r) => r.cmd));
  return parseSnapshot(reads, outcomes, known);
}

export interface ReconcileResult {
  applied: Change[];
  failed: { change: Change; error: string }[];
  /** The plan after reconciling: empty when the portal matches the manifest. */
  plan: Plan;
}

function knownFromMap(manifest: Manifest, map: Record<string, string>): KnownIds {
  const known: KnownIds = { dealCategories: {}, spa: {} };
  for (const p of manifest.pipelines) {
    const id = map[mapKeys.pipelineCategory(p.key)];
    if (id !== undefined) known.dealCategories[p.key] = Number(id);
  }
  for (const s of manifest.smartProcesses) {
    const etid = map[mapKeys.spaEntityType(s.key)];
    const typeId = map[mapKeys.spaTypeId(s.key)];
    const cat = map[mapKeys.spaCategory(s.key)];
    if (etid && typeId) known.spa[s.key] = { entityTypeId: Number(etid), typeId: Number(typeId), ...(cat ? { categoryId: Number(cat) } : {}) };
  }
  return known;
}

/** Read the portal (one request, two the first time we meet existing containers) and plan. */
async function readAndPlan(deps: RegistryDeps, known: KnownIds, robotHashes: Record<string, string>): Promise<{ plan: Plan; snap: Snapshot }> {
  let plan: Plan | undefined;
  let snap: Snapshot | undefined;
  for (let i = 0; i < 2; i++) {
    snap = await readSnapshot(deps, known);
    plan = planChanges(deps.manifest, snap, deps.target, known, robotHashes, { appContext: deps.appContext !== false });
    if (!plan.needsDetails) break;
    known = plan.known;
  }
  return { plan: plan!, snap: snap! };
}

/** What would change, without changing anything (the settings page shows it). */
export async function computePlan(deps: RegistryDeps): Promise<Plan> {
  const map = await deps.store.getMap(deps.target.memberId);
  const hashes = (await deps.store.getSetting<Record<string, string>>(deps.target.memberId, ROBOT_HASHES)) ?? {};
  return (await readAndPlan(deps, knownFromMap(deps.manifest, map), hashes)).plan;
}

/**
 * Make the portal match the manifest: read, plan, apply in batches, and read again to verify.
 *
 * Requests: an up-to-date portal costs one read and no mutation. A fresh install costs three
 * while the commands fit (see the bench):
 * 1. read;
 * 2. create the containers (pipeline, smart process) and as much as fits of everything independent
 *    of them (robots, event bindings, deal/contact/company fields; the smart process's fields by
 *    reference to the new type), and in the same batch read the new containers' stages, categories
 *    and fields;
 * 3. fix the stages the portal seeded, create the rest, and in the same batch read again everything
 *    changed since it was last read, to verify (more than 50 commands take more batches).
 * A round that creates no container is verified by the reads appended to its own batch; the
 * batches of a round are packed as full as the references between commands allow (pack.ts).
 * Any failed change or read ends the rounds with a full read, so the result's plan is what is left.
 */
export async function reconcile(deps: RegistryDeps): Promise<ReconcileResult> {
  const { store, target, client, logger, manifest } = deps;
  const memberId = target.memberId;
  const hashes = (await store.getSetting<Record<string, string>>(memberId, ROBOT_HASHES)) ?? {};
  const applied: Change[] = [];
  const failed: ReconcileResult['failed'] = [];

  let { plan, snap } = await readAndPlan(deps, knownFromMap(manifest, await store.getMap(memberId)), hashes);
  let verified = true;
  /** Snapshot reads whose part of the portal changed since they were last read. */
  const stale = new Set<string>();
  for (let round = 0; round < MAX_ROUNDS && plan.changes.length > 0; round++) {
    const pending = pendingContainers(plan);
    const final = pending.pipelines.length === 0 && pending.spa.length === 0;
    const asItem = (c: Change): PackItem => ({ cmd: c.command, ...(c.ref ? { ref: c.ref } : {}) });
    let changes = orderForApply(plan.changes);
    if (!final) {
      // Read what the next round needs, the new containers' details, in this round's one request;
      // what does not fit goes with the next round (it is planned again there).
      const detail = snapshotCommands(manifest, target, pending.refs, { only: pending });
      const all: PackItem[] = [...changes.map(asItem), ...detail.map((r) => ({ cmd: r.cmd, ref: r.ref }))];
      const keep = new Set(keepOneBatch(all, (i) => i < changes.length));
      changes = changes.filter((_, i) => keep.has(i));
    }
    for (const c of changes) for (const name of readsShowing(manifest, target, c)) stale.add(name);
    // The final round verifies in its own batch: everything changed since it was last read.
    const reads = final ? snapshotCommands(manifest, target, plan.known, { names: stale }) : snapshotCommands(manifest, target, pending.refs, { only: pending });
    const items: PackItem[] = [...changes.map(asItem), ...reads.map((r) => ({ cmd: r.cmd, ref: r.ref }))];
    const outcomes = await runPacked(client, items);

    let known = plan.known;
    changes.forEach((change, i) => {
      const o = outcomes[i];
      if (o?.ok) {
        applied.push(change);
        if (change.robotHash) {
          if (change.robotHash.hash) hashes[change.robotHash.code] = change.robotHash.hash;
          else delete hashes[change.robotHash.code];
        }
        if (change.createsContainer) known = knownAfterCreate(known, change, o.result);
      } else {
        const error = o ? `${o.error.code}: ${o.error.description}` : 'no answer';
        failed.push({ change, error });
        logger.warn({ kind: change.kind, key: change.key, action: change.action, error }, 'registry change failed');
      }
    });
    await store.setSetting(memberId, ROBOT_HASHES, hashes);

    let read: Snapshot | null = null;
    try {
      read = parseSnapshot(reads, outcomes.slice(changes.length), known, snap);
      for (const r of reads) stale.delete(r.name);
    } catch (err) {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'registry read after apply failed; reading again');
    }
    if (failed.length || !read) {
      ({ plan, snap } = await readAndPlan(deps, known, hashes));
      verified = true;
      break;
    }
    snap = read;
    const next = planChanges(manifest, snap, target, known, hashes, { appContext: deps.appContext !== false });
    if (final) {
      plan = next;
      verified = true;
    } else {
      // Planned on the first read plus the new containers: what this round did is planned again; drop it.
      const done = new Set(changes.map(changeId));
      plan = { ...next, changes: next.changes.filter((c) => !done.has(changeId(c))) };
      verified = false;
    }
  }
  // A round that only read the new containers' details did not see the rest applied: look once more.
  if (!verified) ({ plan } = await readAndPlan(deps, plan.known, hashes));

  await store.setMapEntries(memberId, plan.map);
  logger.info({ applied: applied.length, failed: failed.length, remaining: plan.changes.length, conflicts: plan.conflicts.length }, 'registry reconciled');
  return { applied, failed, plan };
}

/** Deleting stale stages before adding new ones keeps the portal's sort rules happy. */
function orderForApply(changes: Change[]): Change[] {
  const rank = (c: Change) => (c.kind === 'stage' && c.action === 'delete' ? 0 : 1);
  return [...changes].sort((a, b) => rank(a) - rank(b));
}
