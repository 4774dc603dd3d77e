// Whether the API and the worker trace with OpenTelemetry, read from the environment. Off by
// default. Pure: nothing of OpenTelemetry is loaded to decide, so a process with tracing off never
// loads it (config/tracing-pipeline.ts does, only when this answers a setting).
//
// On when HOSTFLOW_TRACING=otlp, or when the standard OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set and HOSTFLOW_TRACING is not `off`. Spans go as
// OTLP over HTTP (JSON) to <endpoint>/v1/traces, or to the traces endpoint as given,
// as the OpenTelemetry specification defines the two variables.
export interface TracingSettings {
  /** Where spans are POSTed: the full OTLP/HTTP traces URL. */
  tracesUrl: string;
  /** service.name of every span (OTEL_SERVICE_NAME, else the process's own name). */
  serviceName: string;
}

/** The OTLP/HTTP receiver's default, as every OpenTelemetry SDK uses it. */
export const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';

export class TracingConfigError extends Error {}

/** `process`: 'hostflow-api' or 'hostflow-worker', the service name unless OTEL_SERVICE_NAME says otherwise. */
export function tracingSettings(env: NodeJS.ProcessEnv, process: string): TracingSettings | undefined {
  const mode = env.HOSTFLOW_TRACING?.trim() || undefined;
  if (mode !== undefined && mode !== 'otlp' && mode !== 'off') {
    throw new TracingConfigError(`HOSTFLOW_TRACING=${mode}: expected otlp or off`);
  }
  if (mode === 'off') return undefined;
  const tracesEndpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (mode === undefined && !tracesEndpoint && !endpoint) return undefined;
  const tracesUrl = tracesEndpoint || `${(endpoint || DEFAULT_OTLP_ENDPOINT).replace(/\/+$/, '')}/v1/traces`;
  try {
    const url = new URL(tracesUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new TracingConfigError(`OTLP traces endpoint ${tracesUrl}: expected an http(s) URL`);
  }
  return { tracesUrl, serviceName: env.OTEL_SERVICE_NAME?.trim() || process };
}
