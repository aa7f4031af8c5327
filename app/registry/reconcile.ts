import type { Logger } from '../logger.js';
import type { RestClient } from '../rest/types.js';
import type { Store } from '../store/types.js';
import { planChanges, type Change, type Plan } from './diff.js';
import type { Manifest } from './manifest.js';
import { mapKeys, type InstallTarget } from './names.js';
import { readSnapshot, type KnownIds } from './snapshot.js';

const ROBOT_HASHES = 'registry.robotHashes';
const MAX_ROUNDS = 4;

export interface RegistryDeps {
  store: Store;
  manifest: Manifest;
  client: RestClient;
  target: InstallTarget;
  logger: Logger;
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
async function readAndPlan(deps: RegistryDeps, known: KnownIds, robotHashes: Record<string, string>): Promise<Plan> {
  let plan: Plan | undefined;
  for (let i = 0; i < 2; i++) {
    const snap = await readSnapshot(deps.client, deps.manifest, deps.target, known);
    plan = planChanges(deps.manifest, snap, deps.target, known, robotHashes);
    if (!plan.needsDetails) break;
    known = plan.known;
  }
  return plan!;
}

/** What would change, without changing anything (the settings page shows it). */
export async function computePlan(deps: RegistryDeps): Promise<Plan> {
  const map = await deps.store.getMap(deps.target.memberId);
  const hashes = (await deps.store.getSetting<Record<string, string>>(deps.target.memberId, ROBOT_HASHES)) ?? {};
  return readAndPlan(deps, knownFromMap(deps.manifest, map), hashes);
}

/**
 * Make the portal match the manifest: read, plan, apply in batches, and read again to verify.
 * An up-to-date portal costs one read and no mutation. Fresh install: read, create containers and
 * everything independent, read, create stages and smart-process fields, read to verify.
 */
export async function reconcile(deps: RegistryDeps): Promise<ReconcileResult> {
  const { store, target, client, logger } = deps;
  const memberId = target.memberId;
  const hashes = (await store.getSetting<Record<string, string>>(memberId, ROBOT_HASHES)) ?? {};
  let known = knownFromMap(deps.manifest, await store.getMap(memberId));
  const applied: Change[] = [];
  const failed: ReconcileResult['failed'] = [];

  let plan = await readAndPlan(deps, known, hashes);
  for (let round = 0; round < MAX_ROUNDS && plan.changes.length > 0; round++) {
    const changes = orderForApply(plan.changes);
    const outcomes = await client.batch(changes.map((c) => c.command));
    changes.forEach((change, i) => {
      const o = outcomes[i];
      if (o?.ok) {
        applied.push(change);
        if (change.robotHash) {
          if (change.robotHash.hash) hashes[change.robotHash.code] = change.robotHash.hash;
          else delete hashes[change.robotHash.code];
        }
      } else {
        const error = o ? `${o.error.code}: ${o.error.description}` : 'no answer';
        failed.push({ change, error });
        logger.warn({ kind: change.kind, key: change.key, action: change.action, error }, 'registry change failed');
      }
    });
    await store.setSetting(memberId, ROBOT_HASHES, hashes);
    if (failed.length) break;
    known = plan.known;
    plan = await readAndPlan(deps, known, hashes);
  }

  await store.setMapEntries(memberId, plan.map);
  logger.info({ applied: applied.length, failed: failed.length, remaining: plan.changes.length, conflicts: plan.conflicts.length }, 'registry reconciled');
  return { applied, failed, plan };
}

/** Deleting stale stages before adding new ones keeps the portal's sort rules happy. */
function orderForApply(changes: Change[]): Change[] {
  const rank = (c: Change) => (c.kind === 'stage' && c.action === 'delete' ? 0 : 1);
  return [...changes].sort((a, b) => rank(a) - rank(b));
}
