// The OpenTelemetry pipeline of a process with tracing on (config/tracing.ts decides): spans
// batched and POSTed as OTLP over HTTP. Loaded only when tracing is on (api/main.ts and
// workers/main.ts import it dynamically), so a process with tracing off never loads OpenTelemetry.
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Tracer } from '@opentelemetry/api';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { TracingSettings } from './tracing';

export interface Tracing {
  settings: TracingSettings;
  tracer: Tracer;
  resource: Resource;
  /** Workflow spans reach it through the worker's sink; the rest through `tracer`. */
  spanProcessor: SpanProcessor;
  /** The client's interceptors: a workflow start or signal carries the caller's trace onwards. */
  clientInterceptors(): { workflow: WorkflowClientInterceptor[] };
  /** Sends what is still batched; call before the process exits. */
  shutdown(): Promise<void>;
}

export function startTracing(settings: TracingSettings, serviceVersion: string): Tracing {
  const resource = new Resource({ 'service.name': settings.serviceName, 'service.version': serviceVersion });
  // Batched (OTEL_BSP_* tune it): an export never sits on a request's or an activity's path.
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.tracesUrl }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // The SDK's interceptors read the active context and propagate it through the global API:
  // without a context manager an await loses the span, without a propagator no header is written.
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable(), propagator: new W3CTraceContextPropagator() });
  const tracer = provider.getTracer('hostflow', serviceVersion);
  return {
    settings,
    tracer,
    resource,
    spanProcessor,
    clientInterceptors: () => ({ workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer })] }),
    async shutdown() {
      await provider.shutdown();
      context.disable();
      propagation.disable();
    },
  };
}
