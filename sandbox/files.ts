/** Uploaded file bodies (CRM file fields, timeline attachments, Drive files), kept as base64 in the state. */
import { nextId } from './ids.js';
import type { Portal } from './core.js';
import type { StoredFile } from './types.js';

export function storeFile(portal: Portal, name: string, contentBase64: string): StoredFile {
  const clean = contentBase64.replace(/^data:[^,]*,/, '');
  const file: StoredFile = {
    id: nextId(portal.state, 'file', 30000),
    name: name || 'file',
    // Bad base64 is stored as a corrupt file, as on the portal.
    size: Buffer.from(clean, 'base64').length,
    contentBase64: clean,
    createdAt: portal.clock.now(),
  };
  portal.state.files.push(file);
  return file;
}

export function findFile(portal: Portal, id: number): StoredFile | undefined {
  return portal.state.files.find((f) => f.id === id);
}

/** `["name", "base64"]` → the pair; anything else → null. */
export function asFilePair(v: unknown): [string, string] | null {
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return [v[0], v[1]];
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (Object.keys(o).length === 2 && typeof o['0'] === 'string' && typeof o['1'] === 'string') return [o['0'], o['1']];
  }
  return null;
}
