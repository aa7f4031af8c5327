/** What the portal saw from the app: requests, calls per method, mutating calls. */
import type { SandboxStats } from './types.js';

const MUTATING_VERBS = new Set([
  'add', 'update', 'delete', 'bind', 'unbind', 'set', 'send', 'clear', 'error', 'log',
  'uploadfile', 'addsubfolder', 'deletetree', 'markdeleted', 'rename', 'moveto', 'copyto',
]);

export function isMutation(method: string): boolean {
  const verb = method.slice(method.lastIndexOf('.') + 1).toLowerCase();
  return MUTATING_VERBS.has(verb);
}

function emptyStats(): SandboxStats {
  return { requests: 0, rejected: 0, methods: {}, mutations: 0, mutationsByMethod: {}, refreshes: 0 };
}

export class StatsCollector {
  stats: SandboxStats = emptyStats();

  request(): void {
    this.stats.requests += 1;
  }

  rejected(): void {
    this.stats.rejected += 1;
  }

  refresh(): void {
    this.stats.refreshes += 1;
  }

  call(method: string): void {
    this.stats.methods[method] = (this.stats.methods[method] ?? 0) + 1;
    if (isMutation(method)) {
      this.stats.mutations += 1;
      this.stats.mutationsByMethod[method] = (this.stats.mutationsByMethod[method] ?? 0) + 1;
    }
  }

  reset(): void {
    this.stats = emptyStats();
  }
}
