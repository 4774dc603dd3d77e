// Which workflow interceptor modules go into the workflow bundle. The SDK's OpenTelemetry workflow
// interceptors export their spans through a sink that only a tracing worker registers: in a
// bundle run by a worker without it, every span would be an "unregistered external sink" error.
// So there are two bundles, and a worker picks by its tracing setting (workers/main.ts):
// <bundle>.js without tracing and <bundle>.tracing.js with it; `npm run build` writes both.
// Light on purpose: resolving the module's path loads nothing of OpenTelemetry.

/** The SDK's workflow interceptors (not a workflow, only interceptors), as its docs register them. */
export const TRACING_WORKFLOW_INTERCEPTORS = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

export function workflowInterceptorModules(tracing: boolean): string[] {
  return tracing ? [TRACING_WORKFLOW_INTERCEPTORS] : [];
}

/** dist/workflow-bundle.js -> dist/workflow-bundle.tracing.js: the bundle a tracing worker loads. */
export function tracingBundlePath(bundlePath: string): string {
  return bundlePath.endsWith('.js') ? `${bundlePath.slice(0, -3)}.tracing.js` : `${bundlePath}.tracing.js`;
}
