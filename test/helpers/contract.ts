import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import qs from 'qs';

/** Copies of the official docs' payloads (see test/contract/INDEX.md), kept in the repo so CI needs nothing outside it. */
export const CONTRACT_DIR = fileURLToPath(new URL('../contract/', import.meta.url));

export function contractJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(`${CONTRACT_DIR}${name}`, 'utf8')) as T;
}

/** The wire body of a `.form.txt` contract file (its last non-comment line). */
export function contractFormBody(name: string): string {
  const lines = readFileSync(`${CONTRACT_DIR}${name}`, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  return lines.filter((l) => l.includes('&')).at(-1)!;
}

export function parseForm(body: string): Record<string, unknown> {
  return qs.parse(body, { depth: 10, arrayLimit: 1000 }) as Record<string, unknown>;
}

/** Re-encode an object as the portal does: PHP-style brackets, every leaf a string. */
export function toForm(obj: Record<string, unknown>): string {
  return qs.stringify(obj, { encodeValuesOnly: false, arrayFormat: 'indices' });
}
