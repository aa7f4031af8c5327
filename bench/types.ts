/** What every benchmark module gives the runner (bench/run.ts). */

/** The cloud portal's limit the floor times are computed from: burst 50, then 2 requests/s. */
export const PORTAL_BURST = 50;
export const PORTAL_DRAIN_PER_SEC = 2;

/** The least time `requests` REST requests can take under the portal's rate limit, in ms. */
export function floorMs(requests: number): number {
  return (Math.max(0, requests - PORTAL_BURST) / PORTAL_DRAIN_PER_SEC) * 1000;
}

export interface BenchRow {
  /** `<module>: <case>`, e.g. `install: fresh`. */
  benchmark: string;
  /** REST requests the app (or the SDK) sent to the portal; null where REST is not the subject. */
  requests: number | null;
  /** Wall time of the measured part, ms. */
  wallMs: number | null;
  /** A ratio that is not wall ÷ floor (e.g. SDK requests ÷ ours); printed instead of it. */
  ratio?: { value: number; label: string } | null;
  /** The figure the target is about, in words (`41 requests for 100,000 rows`). */
  measured: string;
  target: string;
  /** null: no target (informational). */
  pass: boolean | null;
  details?: Record<string, unknown>;
}

export interface BenchContext {
  /** Progress line on stderr (the table goes to stdout). */
  log(message: string): void;
}

export interface BenchModule {
  run(ctx: BenchContext): Promise<BenchRow[]>;
}
