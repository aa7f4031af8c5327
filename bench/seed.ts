/**
 * Fast seeding of the sandbox portal for the benchmarks. Writing through the emulator's REST API
 * would fire events and automation for every record; here one real deal is made through the API
 * (so every field the portal fills is there) and copied straight into the portal's state.
 * Nothing of this reaches the app or counts in the portal's request stats.
 */
import type { ItemRec, Sandbox } from '../sandbox/index.js';

const DEAL = 2;

/** Adds `count` deals; returns their ids (ascending). Call before the app is installed, or events fire for the template. */
export async function seedDeals(sb: Sandbox, count: number): Promise<number[]> {
  if (count <= 0) return [];
  const made = (await sb.callAs(1, 'crm.item.add', { entityTypeId: DEAL, fields: { title: 'Заявление 1', opportunity: 0 } })) as { item: { id: number } };
  const state = sb.state;
  const table = (state.items[String(DEAL)] ??= {});
  const template = table[String(made.item.id)]!;
  const ids = [template.id];
  let next = template.id;
  for (let n = 1; n < count; n++) {
    next += 1;
    const item: ItemRec = { entityTypeId: DEAL, id: next, data: { ...template.data, id: next, title: `Заявление ${n + 1}` }, fm: [] };
    table[String(next)] = item;
    ids.push(next);
  }
  state.seq[`item:${DEAL}`] = next;
  return ids;
}
