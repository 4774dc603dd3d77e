// `npm run build:workflows`: bundles the workflow code once, ahead of time. A worker started with
// WORKFLOW_BUNDLE=<that file> skips bundling at start (7–15 s on 2 cores), so a restarted or
// scaled-out worker takes work seconds sooner. Rebuild whenever workflows/ changes.
// Writes two bundles: <file> and, with the SDK's OpenTelemetry workflow interceptors inside,
// <file minus .js>.tracing.js, which a worker with tracing on loads instead (workers/tracing-bundle.ts).
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tracingBundlePath, workflowInterceptorModules } from './tracing-bundle';
import { WORKFLOWS_PATH } from './worker';

export const DEFAULT_BUNDLE_PATH = path.join(__dirname, '..', '.build', 'workflow-bundle.js');

async function main(): Promise<void> {
  const target = path.resolve(process.argv[2] ?? DEFAULT_BUNDLE_PATH);
  mkdirSync(path.dirname(target), { recursive: true });
  for (const [file, tracing] of [[target, false], [tracingBundlePath(target), true]] as const) {
    const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: workflowInterceptorModules(tracing) });
    writeFileSync(file, code);
    console.log(`workflow bundle${tracing ? ' (tracing)' : ''} written to ${file}`);
  }
  console.log(`start workers with WORKFLOW_BUNDLE=${target} (with tracing on they load ${path.basename(tracingBundlePath(target))})`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
