import type { CallCounts } from './types.js';
import { isMutationMethod } from './method-kind.js';

/** Per-portal spend: HTTP requests, calls per method (batch sub-commands under their own name), mutations, refreshes. */
export class CallCounter {
  #requests = 0;
  #methods = new Map<string, number>();
  #mutations = 0;
  #refreshes = 0;

  /** One HTTP request to the portal carrying these methods (a single call, or a batch's sub-commands). */
  recordRequest(methods: readonly string[]): void {
    this.#requests += 1;
    for (const method of methods) {
      this.#methods.set(method, (this.#methods.get(method) ?? 0) + 1);
      if (isMutationMethod(method)) this.#mutations += 1;
    }
  }

  recordRefresh(): void {
    this.#refreshes += 1;
  }

  snapshot(): CallCounts {
    return {
      requests: this.#requests,
      methods: Object.fromEntries([...this.#methods.entries()].sort(([a], [b]) => a.localeCompare(b))),
      mutations: this.#mutations,
      refreshes: this.#refreshes,
    };
  }

  reset(): void {
    this.#requests = 0;
    this.#methods.clear();
    this.#mutations = 0;
    this.#refreshes = 0;
  }
}
