// A tracing worker's additions (config/tracing-pipeline.ts builds the pipeline): the SDK's activity
// interceptors (a span per attempt, under the workflow's span), its workflow interceptors for a
// worker that bundles at start, and the sink through which the workflow sandbox hands its spans out.
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor, type OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { Tracing } from '../config/tracing-pipeline';
import { workflowInterceptorModules } from './tracing-bundle';

export interface WorkerTracing {
  activityInterceptors: ActivityInterceptorsFactory[];
  workflowModules: string[];
  sinks: InjectedSinks<OpenTelemetrySinks>;
}

export function workerTracing(tracing: Tracing): WorkerTracing {
  const { tracer, spanProcessor, resource } = tracing;
  return {
    activityInterceptors: [
      (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }),
    ],
    workflowModules: workflowInterceptorModules(true),
    sinks: { exporter: makeWorkflowExporter(spanProcessor, resource) },
  };
}
