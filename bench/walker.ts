/**
 * Benchmark 2: reading a big list.
 * - 100,000 deals walked by the app's keyset batch walker (app/rest/walker.ts through the portal's
 *   RestClient): floor 100,000 / 2,500 = 40 requests, target ≤ 42.
 * - 10,000 deals walked on the same data by the app's walker and by @bitrix24/b24jssdk's own
 *   list fetching (`b24.actions.v2.fetchList.make`, the SDK's keyset way: one page of 50 per
 *   request, its default rate limiter): target ≥ 40× fewer requests for the app.
 * Deals are copied straight into the portal's state (seed.ts); the portal's rate limit is on.
 */
import { B24OAuth, EnumAppStatus } from '@bitrix24/b24jssdk';
import { seedDeals } from './seed.js';
import { settle, startBenchStack, type BenchStack } from './stack.js';
import { floorMs, PORTAL_DRAIN_PER_SEC, type BenchContext, type BenchRow } from './types.js';

const SELECT = ['id', 'title', 'stageId'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface WalkResult {
  rows: number;
  requests: number;
  rejected: number;
  wallMs: number;
  methods: Record<string, number>;
  inOrder: boolean;
}

/** A stack with `deals` deals and the app installed; the portal's bucket drained again afterwards. */
async function preparedStack(ctx: BenchContext, deals: number): Promise<BenchStack> {
  const stack = await startBenchStack();
  const started = performance.now();
  await seedDeals(stack.sb, deals); // before the install: no event handler is bound yet
  ctx.log(`walker: seeded ${deals.toLocaleString('en')} deals in ${Math.round(performance.now() - started)} ms`);
  await stack.sb.installApp();
  await settle(stack);
  await drain(stack);
  return stack;
}

/** Wait until the portal's leaky bucket is empty again (each request so far adds 1, 2 drain per second). */
async function drain(stack: BenchStack): Promise<void> {
  await sleep((stack.sb.stats.requests / PORTAL_DRAIN_PER_SEC) * 1000 + 250);
  stack.sb.resetStats();
}

function checkOrder(ids: number[], expected: number): boolean {
  if (ids.length !== expected) return false;
  for (let i = 1; i < ids.length; i++) if (ids[i]! <= ids[i - 1]!) return false;
  return true;
}

async function walkWithApp(stack: BenchStack, expected: number): Promise<WalkResult> {
  const client = stack.app.pool.forPortal(stack.sb.memberId);
  stack.sb.resetStats();
  const ids: number[] = [];
  const started = performance.now();
  for await (const page of client.walk<{ id: number }>('crm.item.list', { params: { entityTypeId: 2 }, select: SELECT })) {
    for (const row of page) ids.push(Number(row.id));
  }
  const wallMs = performance.now() - started;
  const { requests, rejected, methods } = stack.sb.stats;
  return { rows: ids.length, requests, rejected, wallMs, methods: { ...methods }, inOrder: checkOrder(ids, expected) };
}

async function walkWithSdk(stack: BenchStack, expected: number): Promise<WalkResult> {
  const { sb } = stack;
  const t = sb.issueUserToken(1);
  const b24 = new B24OAuth(
    {
      applicationToken: '',
      userId: 1,
      memberId: sb.memberId,
      accessToken: t.accessToken,
      refreshToken: t.refreshToken,
      expires: Math.floor(sb.clock.now() / 1000) + t.expiresIn,
      expiresIn: t.expiresIn,
      scope: 'crm',
      domain: sb.domain,
      clientEndpoint: sb.clientEndpoint.replace(/\/+$/, ''),
      serverEndpoint: sb.serverEndpoint,
      status: EnumAppStatus.Local,
    },
    { clientId: stack.config.clientId, clientSecret: stack.config.clientSecret },
  );
  sb.resetStats();
  const ids: number[] = [];
  const started = performance.now();
  const pages = b24.actions.v2.fetchList.make<{ id: number }>({ method: 'crm.item.list', params: { entityTypeId: 2, select: SELECT }, idKey: 'id', customKeyForResult: 'items' });
  for await (const page of pages) for (const row of page) ids.push(Number(row.id));
  const wallMs = performance.now() - started;
  const { requests, rejected, methods } = sb.stats;
  return { rows: ids.length, requests, rejected, wallMs, methods: { ...methods }, inOrder: checkOrder(ids, expected) };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];

  const big = await preparedStack(ctx, 100_000);
  try {
    const r = await walkWithApp(big, 100_000);
    ctx.log(`walker: 100k by the app's walker: ${r.requests} requests, ${r.rows} rows, ${seconds(r.wallMs)}`);
    rows.push({
      benchmark: 'walker: 100k deals, app walker',
      requests: r.requests,
      wallMs: r.wallMs,
      measured: `${r.requests} requests for ${r.rows.toLocaleString('en')} rows${r.inOrder ? '' : ' (ROWS MISSING OR OUT OF ORDER)'}`,
      target: '≤ 42 requests (floor 40)',
      pass: r.requests <= 42 && r.inOrder && r.rejected === 0,
      details: { ...r },
    });
  } finally {
    await big.close();
  }

  const small = await preparedStack(ctx, 10_000);
  try {
    const ours = await walkWithApp(small, 10_000);
    ctx.log(`walker: 10k by the app's walker: ${ours.requests} requests, ${seconds(ours.wallMs)}`);
    await drain(small);
    ctx.log(`walker: 10k by b24jssdk fetchList (rate-limited, about ${seconds(floorMs(10_000 / 50))})…`);
    const sdk = await walkWithSdk(small, 10_000);
    ctx.log(`walker: 10k by b24jssdk fetchList: ${sdk.requests} requests, ${seconds(sdk.wallMs)}`);
    const fewer = sdk.requests / Math.max(1, ours.requests);
    const faster = sdk.wallMs / Math.max(1, ours.wallMs);
    rows.push(
      {
        benchmark: 'walker: 10k deals, app walker',
        requests: ours.requests,
        wallMs: ours.wallMs,
        measured: `${ours.requests} requests for ${ours.rows.toLocaleString('en')} rows${ours.inOrder ? '' : ' (ROWS MISSING OR OUT OF ORDER)'}`,
        target: '—',
        pass: ours.inOrder ? null : false,
        details: { ...ours },
      },
      {
        benchmark: 'walker: 10k deals, b24jssdk fetchList',
        requests: sdk.requests,
        wallMs: sdk.wallMs,
        measured: `${sdk.requests} requests for ${sdk.rows.toLocaleString('en')} rows${sdk.rejected ? `, ${sdk.rejected} refused by the limit` : ''}${sdk.inOrder ? '' : ' (ROWS MISSING OR OUT OF ORDER)'}`,
        target: '—',
        pass: null,
        details: { ...sdk },
      },
      {
        benchmark: 'walker: 10k deals, SDK ÷ app',
        requests: null,
        wallMs: null,
        ratio: { value: fewer, label: '× requests' },
        measured: `${fewer.toFixed(1)}× fewer requests, ${faster.toFixed(1)}× shorter wall time`,
        target: '≥ 40× fewer requests',
        pass: fewer >= 40 && ours.inOrder && sdk.inOrder,
        details: { requestRatio: fewer, wallRatio: faster },
      },
    );
  } finally {
    await small.close();
  }
  return rows;
}
