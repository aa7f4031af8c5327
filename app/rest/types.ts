/** The REST surface the rest of the app codes against. One RestClient per portal (see pool.ts). */

export interface RestCallOptions {
  /**
   * Non-idempotent writes (`*.add`, bizproc.event.send …) are never retried blindly after a network error
   * or a 5xx whose effect is unknown; rate-limit answers (which mean "not executed") are still waited out.
   * Default: inferred from the method name (`.add`, `.send`, `.uploadfile`, `.addsubfolder`, `.start`, `.copy`,
   * `.import`, `.notify` … → false; see method-kind.ts). Pass `true` for an add deduplicated by ORIGIN_ID/XML_ID.
   */
  idempotent?: boolean;
}

export interface RestResponse<T = unknown> {
  result: T;
  total?: number;
  next?: number;
}

/** One command of a batch. */
export interface BatchCommand {
  method: string;
  params?: Record<string, unknown>;
}

export type BatchOutcome<T = unknown> =
  | { ok: true; result: T; total?: number; next?: number }
  | { ok: false; error: { code: string; description: string } };

export interface WalkOptions {
  /** Filter applied on the portal; the walker adds `>ID` itself. */
  filter?: Record<string, unknown>;
  select?: string[];
  /** Extra params, e.g. `{ entityTypeId: 2 }` for crm.item.list. */
  params?: Record<string, unknown>;
  /** Name of the id field for order/filter: `id` for crm.item.list, `ID` for legacy lists. Default: inferred. */
  idField?: string;
  /** Batches of up to 50 pages chained by the last id; default 50. */
  pagesPerBatch?: number;
}

export interface CallCounts {
  /** HTTP requests sent to the portal (a batch counts as one). */
  requests: number;
  /** Calls per REST method, batch sub-commands counted under their own method. */
  methods: Record<string, number>;
  /** Mutating calls (add/update/delete/bind/unbind/set/send …) per method. */
  mutations: number;
  refreshes: number;
}

export interface RestClient {
  readonly memberId: string;
  call<T = unknown>(method: string, params?: Record<string, unknown>, opts?: RestCallOptions): Promise<T>;
  /** Like call but keeps total/next. */
  callRaw<T = unknown>(method: string, params?: Record<string, unknown>, opts?: RestCallOptions): Promise<RestResponse<T>>;
  /** Packs any number of commands into batches of 50 (halt=0) and maps each outcome back in order. */
  batch<T = unknown>(commands: BatchCommand[]): Promise<BatchOutcome<T>[]>;
  /**
   * Keyset walk over a list method (`>ID`, order by ID, start=-1), up to 50 pages chained into one batch request.
   * Yields one array of rows per batch request; stops at the first page with fewer than 50 rows.
   */
  walk<T = Record<string, unknown>>(method: string, opts?: WalkOptions): AsyncIterable<T[]>;
  counts(): CallCounts;
  resetCounts(): void;
}
