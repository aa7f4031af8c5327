import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CRON_HANDLERS, EVENT_HANDLERS, ROBOTS } from '../../handlers/index.js';
import { STAGE_ACTIONS } from '../../handlers/stage-actions.js';
import { loadManifest } from '../../app/registry/manifest.js';

const manifest = loadManifest();
const files = (dir: string) => readdirSync(new URL(`../../${dir}/`, import.meta.url)).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, ''));
/** Events the server handles itself (install lifecycle). */
const LIFECYCLE = ['ONAPPINSTALL', 'ONAPPUNINSTALL', 'ONAPPUPDATE'];

describe('manifest ↔ registry ↔ files', () => {
  it('has one robot module per manifest robot, named by its code', () => {
    const codes = manifest.robots.map((r) => r.code).sort();
    expect(Object.keys(ROBOTS).sort()).toEqual(codes);
    expect(files('robots').sort()).toEqual(codes);
    for (const [code, m] of Object.entries(ROBOTS)) expect(m.code).toBe(code);
  });

  it('has one handler per online event binding, named by the event', () => {
    const online = [...new Set(manifest.events.filter((e) => !e.offline).map((e) => e.event))].filter((e) => !LIFECYCLE.includes(e)).sort();
    expect(Object.keys(EVENT_HANDLERS).sort()).toEqual(online);
    expect(files('handlers/events').sort()).toEqual(online);
  });

  it('has one cron module per schedule', () => {
    expect(files('handlers/cron').sort()).toEqual(CRON_HANDLERS.map((c) => c.name).sort());
  });

  it('attaches stage actions only to stages that exist, and robots that exist', () => {
    for (const a of STAGE_ACTIONS) {
      const p = manifest.pipelines.find((x) => x.key === a.pipeline);
      expect(p?.stages.some((s) => s.key === a.stage), `${a.pipeline}.${a.stage}`).toBe(true);
      if (a.robotCode) expect(ROBOTS[a.robotCode], a.robotCode).toBeDefined();
    }
  });

  it('declares the membership pipeline, the resolutions smart process and the organisation fields', () => {
    expect(manifest.pipelines[0]!.stages.map((s) => s.name)).toEqual([
      'Новое заявление', 'Подписание документов', 'Подготовка постановления', 'Передача работодателю', 'Решение положительное', 'Решение отрицательное',
    ]);
    expect(manifest.smartProcesses.map((s) => s.title)).toContain('Постановления');
    expect(manifest.userFields.filter((f) => f.entity === 'company').map((f) => f.key)).toEqual(['company.orgType', 'company.parentOrg', 'company.headcount', 'company.employer']);
  });
});
