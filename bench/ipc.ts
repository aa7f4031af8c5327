/** Request/answer over a forked child's IPC channel, for the benchmarks' helper processes. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface IpcRequest {
  id: number;
  cmd: string;
  arg?: unknown;
}
export interface IpcAnswer {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  call<T = unknown>(cmd: string, arg?: unknown): Promise<T>;
  /** Ask it to stop, and kill it if it does not go within a few seconds. */
  stop(): Promise<void>;
}

/** Forks `bench/<file>` (TypeScript, run by the same tsx loader as the parent). */
export function forkChild(file: string): Child {
  const path = fileURLToPath(new URL(file, import.meta.url));
  const proc = fork(path, [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let next = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  proc.on('message', (m: IpcAnswer) => {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.ok) w.resolve(m.value);
    else w.reject(new Error(m.error ?? 'child failed'));
  });
  proc.on('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`${file} exited (${code})`));
    waiting.clear();
  });
  const child: Child = {
    proc,
    pid: proc.pid ?? -1,
    call<T>(cmd: string, arg?: unknown) {
      return new Promise<T>((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        proc.send({ id, cmd, arg } satisfies IpcRequest);
      });
    },
    async stop() {
      if (proc.exitCode !== null) return;
      const gone = new Promise<void>((r) => proc.once('exit', () => r()));
      await child.call('stop').catch(() => undefined);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
  return child;
}

/** The child's side: answer each request with `handle`; `stop` ends the process after answering. */
export function serve(handle: (cmd: string, arg: unknown) => Promise<unknown>): void {
  process.on('message', (m: IpcRequest) => {
    void (async () => {
      try {
        const value = await handle(m.cmd, m.arg);
        process.send?.({ id: m.id, ok: true, value } satisfies IpcAnswer);
      } catch (err) {
        process.send?.({ id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies IpcAnswer);
      }
      if (m.cmd === 'stop') setTimeout(() => process.exit(0), 50);
    })();
  });
}
