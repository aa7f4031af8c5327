import { z } from 'zod';
import { buildContext, type ContextDeps, type HandlerContext } from './context.js';
import { AppError, RestError } from './errors.js';
import type { EventHandler, QueuedEvent } from './events.js';
import type { RobotPayload } from './http/payloads.js';
import type { Installer } from './install.js';
import { ADMISSION_JOB_KIND, runAdmissionJob } from './membership/list-admission/job.js';
import { describePropertyErrors, documentOf, RobotFailure, type RobotModule } from './robots.js';
import type { CronHandler } from './schedules.js';
import type { Job } from './store/types.js';

/** Job kinds: one name per thing (`event:<EVENT>`, `robot:<code>`, `cron:<name>`, `install:reconcile`). */
export const jobKinds = {
  event: (name: string) => `event:${name}`,
  robot: (code: string) => `robot:${code}`,
  cron: (name: string) => `cron:${name}`,
  reconcile: 'install:reconcile',
  /** Admission by list: one job per run, keyed by the run id. */
  admission: ADMISSION_JOB_KIND,
} as const;

/** Robot job payload: the call without its auth block. Properties may hold personal data: the store seals payloads. */
export type QueuedRobotCall = Omit<RobotPayload, 'auth'>;

export interface DispatchDeps extends ContextDeps {
  installer: Installer;
  events: Record<string, EventHandler>;
  robots: Record<string, RobotModule>;
  cron: CronHandler[];
}

export function createJobRunner(deps: DispatchDeps): (job: Job) => Promise<void> {
  return async (job) => {
    const portal = await deps.store.getPortal(job.memberId);
    if (!portal || portal.status === 'uninstalled') return; // nothing to act on any more
    const [family, name = ''] = job.kind.split(/:(.*)/s) as [string, string?];
    const ctx = await buildContext(deps, portal, { kind: job.kind, jobId: job.id });
    switch (family) {
      case 'install':
        await deps.installer.reconcile(portal.memberId, (job.payload as { version?: string } | null)?.version ?? null);
        return;
      case 'event': {
        if (name === 'ONAPPUPDATE') {
          // The portal drops our robots and handlers on update: register them again.
          await deps.installer.reconcile(portal.memberId, String((job.payload as QueuedEvent).data.VERSION ?? '') || null);
          return;
        }
        const handler = Object.hasOwn(deps.events, name) ? deps.events[name] : undefined;
        if (!handler) throw new AppError('NOT_FOUND', `no handler for event ${name}`);
        await handler(ctx, job.payload as QueuedEvent);
        return;
      }
      case 'robot':
        // Own entries only: a robot code like `constructor` passes the URL check and names nothing of ours.
        await runRobot(ctx, Object.hasOwn(deps.robots, name) ? deps.robots[name] : undefined, job);
        return;
      case 'cron': {
        const handler = deps.cron.find((c) => c.name === name);
        if (!handler) throw new AppError('NOT_FOUND', `no schedule ${name}`);
        await handler.run(ctx);
        return;
      }
      case 'admission':
        await runAdmissionJob(ctx, job);
        return;
      default:
        throw new AppError('NOT_FOUND', `unknown job kind ${job.kind}`);
    }
  };
}

/** Report the outcome through bizproc.event.send, the only channel the workflow listens to. */
async function reply(ctx: HandlerContext, call: QueuedRobotCall, values: Record<string, string>, log: string, attempt: number): Promise<void> {
  if (call.use_subscription === 'N') return;
  try {
    await ctx.rest.call('bizproc.event.send', { EVENT_TOKEN: call.event_token, RETURN_VALUES: values, LOG_MESSAGE: log });
  } catch (err) {
    // A repeat after a crash: the first send already closed the robot, the portal now refuses the token.
    if (attempt > 1 && err instanceof RestError && err.code === 'ACCESS_DENIED') return;
    throw err;
  }
}

async function runRobot(ctx: HandlerContext, robot: RobotModule | undefined, job: Job): Promise<void> {
  const call = job.payload as QueuedRobotCall;
  const fail = (message: string) => reply(ctx, call, { result: 'error', message }, message, job.attempts);
  if (!robot) return fail(`Робот «${call.code}» не найден в приложении «Цифровой профсоюз». Обновите приложение или уберите робота со стадии.`);
  const document = documentOf(call as RobotPayload);
  if (!document) return fail(`Робот не может работать с документом ${call.document_id[2]}.`);
  const props = robot.properties.safeParse(call.properties ?? {});
  if (!props.success) return fail(describePropertyErrors(props.error as z.ZodError));
  try {
    const values = await robot.run({ ...ctx, document, payload: call as RobotPayload }, props.data);
    await reply(ctx, call, { result: 'ok', ...values }, values.message ?? 'Выполнено', job.attempts);
  } catch (err) {
    if (err instanceof RobotFailure || (err instanceof AppError && err.code === 'VALIDATION_FAILED')) return fail(err.message);
    throw err; // transient: the queue retries; the portal keeps waiting for our answer
  }
}
