import { z } from 'zod';
import type { HandlerContext } from './context.js';
import { parseDocumentId, type RobotPayload } from './http/payloads.js';

export interface RobotContext extends HandlerContext {
  /** The document the robot runs on: `{ entityTypeId: 3, id: 109286 }` for CONTACT_109286. */
  document: { entityTypeId: number; id: number };
  payload: RobotPayload;
}

export interface RobotModule<P extends z.ZodType = z.ZodType> {
  code: string;
  /** Validates the evaluated properties (all strings on the wire). */
  properties: P;
  /** Returns the robot's return values; throw to fail with a readable message. */
  run(ctx: RobotContext, props: z.infer<P>): Promise<Record<string, string>>;
}

export function defineRobot<P extends z.ZodType>(m: RobotModule<P>): RobotModule<P> {
  return m;
}

export class RobotFailure extends Error {}

/** Turns a zod failure into a message for the workflow log, in Russian. */
export function describePropertyErrors(err: z.ZodError): string {
  return `Неверные параметры робота: ${err.issues.map((i) => `${i.path.join('.') || 'параметры'} — ${i.message}`).join('; ')}`;
}

export function documentOf(payload: RobotPayload) {
  return parseDocumentId(payload.document_id);
}

/** Empty strings from the designer mean "not set". */
export const optionalProp = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' || v === undefined ? undefined : v), schema.optional());
