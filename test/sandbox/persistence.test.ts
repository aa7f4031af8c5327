/** statePath: the portal survives a restart (npm start keeps its demo data). */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../sandbox/index.js';

const dir = mkdtempSync(join(tmpdir(), 'du-sandbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const app = {
  clientId: 'local.persist',
  clientSecret: 's',
  installUrl: 'http://127.0.0.1:9/install',
  handlerUrl: 'http://127.0.0.1:9/app',
  scope: 'crm,user_brief',
};

describe('persistence', () => {
  it('saves atomically on close and loads on start', async () => {
    const statePath = join(dir, 'portal.json');
    const first = await startSandbox({ app, statePath });
    const dealId = await first.callAs(1, 'crm.deal.add', { fields: { TITLE: 'Сохранится' } });
    const tokens = first.issueUserToken(3);
    await first.close();
    expect(existsSync(statePath)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const second = await startSandbox({ app, statePath });
    expect(second.memberId).toBe(first.memberId);
    expect(await second.callAs(1, 'crm.deal.get', { id: dealId })).toMatchObject({ TITLE: 'Сохранится' });
    const res = await fetch(`${second.clientEndpoint}user.current?auth=${tokens.accessToken}`);
    expect(((await res.json()) as any).result.ID).toBe('3');
    await second.close();
  });
});
