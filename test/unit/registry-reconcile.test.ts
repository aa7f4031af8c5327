/**
 * reconcile() against the sandbox portal over HTTP, with the real batch runner: how many requests
 * a fresh install and a re-install take, and that the smart process's relations converge.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch, type BatchEnvelope } from '../../app/rest/batch.js';
import type { RestClient } from '../../app/rest/types.js';
import { loadManifest } from '../../app/registry/manifest.js';
import { mapKeys } from '../../app/registry/names.js';
import { reconcile, type RegistryDeps } from '../../app/registry/reconcile.js';
import type { Store } from '../../app/store/types.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';

const logger = pino({ level: 'silent' });
const manifest = loadManifest();
let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ port: 0, app: { clientId: 'local.test', clientSecret: 's', installUrl: 'https://du.example.org/install', handlerUrl: 'https://du.example.org/placements/DEFAULT', scope: 'crm,bizproc,placement,userfieldconfig' } });
});
afterAll(async () => {
  await sb?.close();
});

/** A RestClient whose batch() is the app's runner over HTTP to the sandbox with an admin token. */
function portalClient(): RestClient {
  const { accessToken } = sb.issueUserToken(1);
  const sender = {
    async sendBatch(cmd: Record<string, string>): Promise<BatchEnvelope> {
      const res = await fetch(`${sb.clientEndpoint}batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ auth: accessToken, halt: 0, cmd }) });
      const body = (await res.json()) as { result: Record<string, unknown> };
      const part = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
      return { result: part(body.result.result), result_error: part(body.result.result_error), result_total: part(body.result.result_total), result_next: part(body.result.result_next) };
    },
  };
  const ctx = { retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, sleep: async () => undefined, random: () => 0, logger };
  const unused = () => {
    throw new Error('not used by the registry');
  };
  return { memberId: 'm', batch: (commands) => runBatch(sender, commands, ctx), call: unused, callRaw: unused, walk: unused, counts: unused, resetCounts: unused } as RestClient;
}

function memoryStore(): Store {
  const settings = new Map<string, unknown>();
  const map: Record<string, string> = {};
  return {
    getSetting: async (_m: string, key: string) => settings.get(key),
    setSetting: async (_m: string, key: string, value: unknown) => void settings.set(key, value),
    getMap: async () => ({ ...map }),
    setMapEntries: async (_m: string, entries: Record<string, string>) => void Object.assign(map, entries),
  } as unknown as Store;
}

describe('reconcile against the sandbox portal', () => {
  const store = memoryStore();
  const deps = (): RegistryDeps => ({ store, manifest, client: portalClient(), target: { memberId: 'm', publicUrl: 'https://du.example.org', codeSuffix: '', authUserId: 1 }, logger });

  it('installs into an empty portal in three requests and converges', async () => {
    sb.resetStats();
    const result = await reconcile(deps());
    expect(result.failed).toEqual([]);
    expect(result.plan.changes).toEqual([]);
    expect(sb.stats.requests).toBe(3);
    expect(sb.stats.methods['crm.type.update']).toBeUndefined();
    const type = sb.state.crmTypes.find((t) => t.title === 'Постановления')!;
    expect(type.relations.parent.map((r) => r.entityTypeId)).toContain(2);
    expect(sb.state.userFields.filter((f) => f.entityId === `CRM_${type.id}`).map((f) => f.fieldName).sort()).toEqual([`UF_CRM_${type.id}_DU_DATE`, `UF_CRM_${type.id}_DU_FILE`, `UF_CRM_${type.id}_DU_NUMBER`]);
    const m = await store.getMap('m');
    expect(m[mapKeys.spaTypeId('resolutions')]).toBe(String(type.id));
    expect(m[mapKeys.spaCategory('resolutions')]).toMatch(/^\d+$/);
    expect(m[mapKeys.stage('membership', 'SIGNING')]).toMatch(/^C\d+:SIGNING$/);
    expect(m[mapKeys.enumItem('contact.status', 'member')]).toMatch(/^\d+$/);
  });

  it('re-installs with one read and no mutation (the relations read by crm.type.get match)', async () => {
    sb.resetStats();
    const result = await reconcile(deps());
    expect(result.applied).toEqual([]);
    expect(sb.stats.requests).toBe(1);
    expect(sb.stats.mutations).toBe(0);
  });

  it('restores a removed parent relation and keeps one an admin added', async () => {
    const type = sb.state.crmTypes.find((t) => t.title === 'Постановления')!;
    await sb.callAs(1, 'crm.type.update', { id: type.id, fields: { relations: { parent: [{ entityTypeId: 1, isChildrenListEnabled: 'false' }] } } });
    sb.resetStats();
    const result = await reconcile(deps());
    expect(result.applied.map((c) => `${c.action} ${c.kind}`)).toEqual(['update smartProcess']);
    expect(result.plan.changes).toEqual([]);
    expect(sb.stats.requests).toBe(2); // read; update + verify
    const parents = sb.state.crmTypes.find((t) => t.id === type.id)!.relations.parent;
    expect(parents.map((p) => p.entityTypeId).sort()).toEqual([1, 2, 3, 4]);
    expect(parents.find((p) => p.entityTypeId === 1)?.isChildrenListEnabled).toBe('N');
  });

  it('finds its containers by title when the id map is lost, and changes nothing', async () => {
    sb.resetStats();
    const result = await reconcile({ ...deps(), store: memoryStore() });
    expect(result.applied.filter((c) => c.kind !== 'robot')).toEqual([]); // robot hashes were lost with the store
    expect(result.plan.changes).toEqual([]);
    expect(sb.state.crmTypes.filter((t) => t.title === 'Постановления')).toHaveLength(1);
    expect(sb.state.categories.filter((c) => c.name === 'Вступление в профсоюз')).toHaveLength(1);
  });
});
