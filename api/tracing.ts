// The API's tracing, started from the environment (config/tracing.ts) when it is on: the Temporal
// client's interceptors then open a span for every workflow start and signal and pass its context
// to the workflow in the headers. OpenTelemetry is loaded only when on (dynamic import).
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { tracingSettings } from '../config/tracing';
import { hostflowVersion } from '../workers/health';

export interface StartedApiTracing {
  tracesUrl: string;
  clientInterceptors: { workflow: WorkflowClientInterceptor[] };
  shutdown(): Promise<void>;
}

export async function startApiTracing(env: NodeJS.ProcessEnv = process.env): Promise<StartedApiTracing | undefined> {
  const settings = tracingSettings(env, 'hostflow-api');
  if (!settings) return undefined;
  const { startTracing } = await import('../config/tracing-pipeline');
  const tracing = startTracing(settings, hostflowVersion());
  return { tracesUrl: settings.tracesUrl, clientInterceptors: tracing.clientInterceptors(), shutdown: () => tracing.shutdown() };
}
