/**
 * The portal's in-memory state and its optional JSON snapshot.
 * Snapshots are written debounced and atomically (temp file + rename) so a crash never leaves half a file.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { seedDefaultStatuses } from './crm/stages.js';
import { randomHex } from './ids.js';
import type { SandboxDepartment, SandboxLogger, SandboxState, SandboxUser } from './types.js';

export function createInitialState(init: {
  users: SandboxUser[];
  departments: SandboxDepartment[];
  memberId?: string;
  version: string;
}): SandboxState {
  const state: SandboxState = {
    schema: 1,
    memberId: init.memberId ?? randomHex(32),
    seq: {},
    app: { installed: false, applicationToken: null, version: init.version, options: {}, status: 'L' },
    users: structuredClone(init.users),
    departments: structuredClone(init.departments),
    accessTokens: {},
    refreshTokens: {},
    eventBindings: [],
    offlineEvents: [],
    placements: [],
    robots: [],
    robotRuns: [],
    automationRules: [],
    crmTypes: [],
    // The general deal pipeline always exists and has id 0.
    categories: [{ id: 0, entityTypeId: 2, name: 'Общая', sort: 500, isDefault: true, code: null }],
    statuses: [],
    items: {},
    userFields: [],
    files: [],
    timelineComments: [],
    activities: [],
    emails: [],
    notifications: [],
    disk: { storage: null, objects: [] },
    tasks: [],
  };
  seedDefaultStatuses(state);
  return state;
}

const SAVE_DEBOUNCE_MS = 200;

/** Owns persistence: load at start, `touch()` after changes, `flush()` on close. */
export class StateStore {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly state: SandboxState,
    private readonly path: string | undefined,
    private readonly logger: SandboxLogger,
  ) {}

  static load(path: string | undefined, fallback: () => SandboxState, logger: SandboxLogger): StateStore {
    if (path && existsSync(path)) {
      const state = JSON.parse(readFileSync(path, 'utf8')) as SandboxState;
      return new StateStore(state, path, logger);
    }
    return new StateStore(fallback(), path, logger);
  }

  /** Something changed: schedule a snapshot. */
  touch(): void {
    if (!this.path || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.writeNow();
    }, SAVE_DEBOUNCE_MS);
    this.timer.unref();
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.path) this.writeNow();
  }

  private writeNow(): void {
    if (!this.path) return;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(this.state));
      renameSync(tmp, this.path);
    } catch (err) {
      this.logger.error({ err, path: this.path }, 'sandbox: could not save state snapshot');
    }
  }
}
