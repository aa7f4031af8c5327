/** Test helpers: a sandbox portal plus a tiny "app" that records every POST the portal sends it. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import qs from 'qs';
import { expect } from 'vitest';
import { startSandbox, type InstallResult, type Sandbox, type SandboxOptions } from '../../sandbox/index.js';

import { contractJson } from '../helpers/contract.js';

/** Contract payloads are loosely typed here: tests pick the bits they replay. */
export const contract = <T = any>(name: string): T => contractJson<T>(name);

export interface Received {
  path: string;
  body: any;
  contentType: string;
}

export interface Harness {
  sb: Sandbox;
  appUrl: string;
  install: InstallResult;
  received: Received[];
  /** Per-path status the fake app answers with (default 200). */
  answerStatus: Map<string, number>;
  rest(method: string, params?: Record<string, unknown>, opts?: RestOptions): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export interface RestOptions {
  token?: string;
  /** json (default), form (PHP-style urlencoded body) or get (query string). */
  as?: 'json' | 'form' | 'get';
  /** Full URL override (webhooks, odd paths). */
  url?: string;
}

export const FULL_SCOPE = 'crm,bizproc,placement,user,user_brief,department,im,disk,task,userfieldconfig';

export async function startHarness(options: Partial<SandboxOptions> & { install?: boolean } = {}): Promise<Harness> {
  const received: Received[] = [];
  const answerStatus = new Map<string, number>();
  const app = express();
  app.use(express.urlencoded({ extended: true, limit: '10mb' }));
  app.use((req, res) => {
    received.push({ path: req.path, body: req.body, contentType: String(req.headers['content-type'] ?? '') });
    res.status(answerStatus.get(req.path) ?? 200).send('ok');
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { install: doInstall = true, ...rest } = options;
  const sb = await startSandbox({
    app: {
      clientId: 'local.sandbox-test.1',
      clientSecret: 'secret-1',
      installUrl: `${appUrl}/install`,
      handlerUrl: `${appUrl}/placements/DEFAULT`,
      scope: FULL_SCOPE,
    },
    ...rest,
  });
  const install = doInstall ? await sb.installApp() : ({ tokens: sb.issueUserToken(1), applicationToken: '' } as InstallResult);

  const restCall: Harness['rest'] = async (method, params = {}, opts = {}) => {
    const token = opts.token ?? install.tokens.accessToken;
    const url = opts.url ?? `${sb.clientEndpoint}${method}`;
    const withAuth = opts.url ? params : { ...params, auth: token };
    let res: Response;
    if (opts.as === 'get') {
      res = await fetch(`${url}?${qs.stringify(withAuth)}`);
    } else if (opts.as === 'form') {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: qs.stringify(withAuth),
      });
    } else {
      res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(withAuth) });
    }
    return { status: res.status, body: await res.json() };
  };

  return {
    sb,
    appUrl,
    install,
    received,
    answerStatus,
    rest: restCall,
    close: async () => {
      await sb.waitForDeliveries().catch(() => undefined);
      await sb.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Calls a method and returns `result`, failing the test on an error answer. */
export async function ok(h: Harness, method: string, params?: Record<string, unknown>, opts?: RestOptions): Promise<any> {
  const { status, body } = await h.rest(method, params, opts);
  if (status !== 200 || 'error' in body) throw new Error(`${method} failed: ${status} ${JSON.stringify(body)}`);
  return body.result;
}

/**
 * Asserts `actual` has the shape of `expected` (a contract sample): every key of the sample exists
 * with the same JSON type; null on either side matches any scalar (PHP fields are nullable);
 * arrays compare their first element; PHP's [] (empty map) matches {} and [].
 */
export function expectShape(actual: unknown, expected: unknown, path = '$', ignore: string[] = []): void {
  if (ignore.includes(path) || expected === null) return;
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (Array.isArray(expected)) {
    if (expected.length === 0 && kind(actual) === 'object') return;
    expect(kind(actual), `${path} should be an array`).toBe('array');
    const a = actual as unknown[];
    if (expected.length > 0 && a.length > 0) expectShape(a[0], expected[0], `${path}[0]`, ignore);
    return;
  }
  if (typeof expected === 'object') {
    if (Object.keys(expected as object).length === 0 && Array.isArray(actual) && actual.length === 0) return;
    expect(kind(actual), `${path} should be an object`).toBe('object');
    for (const [key, value] of Object.entries(expected as object)) {
      const p = `${path}.${key}`;
      if (ignore.includes(p)) continue;
      expect(actual as object, `${p} is missing`).toHaveProperty([key]);
      expectShape((actual as Record<string, unknown>)[key], value, p, ignore);
    }
    return;
  }
  if (actual === null) return;
  expect(kind(actual), `${path} type`).toBe(kind(expected));
}

/** Inbound samples keep the docs' numbers, but on the wire (form bodies) every leaf is a string. */
export function wire(sample: unknown): unknown {
  if (Array.isArray(sample)) return sample.map(wire);
  if (sample && typeof sample === 'object') return Object.fromEntries(Object.entries(sample).map(([k, v]) => [k, wire(v)]));
  return sample === null ? null : String(sample);
}
