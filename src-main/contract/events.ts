import { z } from 'zod';
import { errorPayloadSchema, healthReportSchema } from './schemas';

/** Progress of one long operation; `operationId` ties the events of one run together. */
export const progressEventSchema = z.object({
  operationId: z.string(),
  /** What runs: snapshot, verify, restore, undo-restore, export, import, ... */
  kind: z.string(),
  /** A short step name, such as "copying", "compressing", "checking". */
  phase: z.string(),
  done: z.number().min(0),
  total: z.number().min(0),
  finished: z.boolean().optional(),
  error: errorPayloadSchema.optional(),
});

export const dataChangedEventSchema = z.object({
  reason: z.enum(['restore', 'undo-restore', 'import', 'delete', 'edit', 'settings', 'retention']),
});

/** A backup failed or protection went stale: the desktop shell shows a notification. */
export const alertEventSchema = z.object({
  level: z.enum(['warning', 'error']),
  title: z.string(),
  message: z.string(),
});

export const EVENTS = {
  progress: progressEventSchema,
  health: healthReportSchema,
  'data-changed': dataChangedEventSchema,
  alert: alertEventSchema,
} as const;

export type EventName = keyof typeof EVENTS;
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];

export type EventPayload<N extends EventName> = z.output<(typeof EVENTS)[N]>;

/** One event as transports deliver it. */
export type StrataEventMessage = { [N in EventName]: { name: N; payload: EventPayload<N> } }[EventName];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(EVENTS, name);
}

/** Validates an event from the other side; unknown or malformed events give null and are dropped. */
export function parseEvent(name: unknown, payload: unknown): StrataEventMessage | null {
  if (!isEventName(name)) return null;
  const r = EVENTS[name].safeParse(payload);
  return r.success ? ({ name, payload: r.data } as StrataEventMessage) : null;
}
