// The worker's logs: one JSON line each (pino), for the worker itself, the SDK's native core, every
// workflow (`log` from @temporalio/workflow) and every activity (`log` from @temporalio/activity).
// The SDK hands each line its context (workflowId, run id, activity type, attempt…); this adds the
// instance id and the operation, read from Hostflow's workflow ids, so one filter on `instanceId`
// follows an instance through every run, child and activity.
import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import pino, { type DestinationStream, type Logger } from 'pino';

/** `instance-<id>` (the entity) or `instance-<id>/<op>-<n>` (one operation). */
const HOSTFLOW_WORKFLOW_ID = /^instance-([^/]+)(?:\/([a-z]+)-(\d+))?$/;

export interface InstanceContext {
  instanceId?: string;
  /** The operation's type, for an operation's child workflow and its activities. */
  operation?: string;
  /** n in `instance-<id>/<op>-<n>`. */
  operationSeq?: number;
}

export function instanceContext(workflowId: unknown): InstanceContext {
  if (typeof workflowId !== 'string') return {};
  const match = HOSTFLOW_WORKFLOW_ID.exec(workflowId);
  if (!match) return {};
  const [, instanceId, operation, seq] = match;
  return operation ? { instanceId, operation, operationSeq: Number(seq) } : { instanceId };
}

// Log lines carry failure messages and provider answers, never credentials; these are the second
// line of defence should an error ever carry a request's headers.
const REDACT_PATHS = ['*.authorization', '*.headers.authorization', '*.token', '*.secret', '*.password', 'token', 'secret', 'password'];

export function createWorkerLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'hostflow-worker' },
      // The SDK passes failures as `error`; pino only knows how to serialise `err` by default.
      serializers: { error: pino.stdSerializers.err, err: pino.stdSerializers.err },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}

const PINO_LEVEL: Record<LogLevel, pino.Level> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** The SDK's Logger interface on top of pino: what `Runtime.install({ logger })` takes. */
export class WorkerLogger implements SdkLogger {
  constructor(readonly pino: Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const pinoLevel = PINO_LEVEL[level] ?? 'info';
    if (!this.pino.isLevelEnabled(pinoLevel)) return;
    this.pino[pinoLevel](fields(meta), message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/**
 * Workflow lines say `runId`, activity lines `workflowRunId`: both become `runId`. The task token
 * is dropped (long, opaque, and enough to complete someone else's activity).
 */
function fields(meta: LogMetadata | undefined): Record<string, unknown> {
  if (!meta) return {};
  const { taskToken: _taskToken, workflowRunId, ...rest } = meta as Record<string, unknown>;
  const out: Record<string, unknown> = { ...rest, ...instanceContext(rest.workflowId) };
  if (workflowRunId !== undefined && out.runId === undefined) out.runId = workflowRunId;
  return out;
}
