// `npm run build:workflows`: bundles the workflow code once, ahead of time. A worker started with
// WORKFLOW_BUNDLE=<that file> skips bundling at start (7–15 s on 2 cores), so a restarted or
// scaled-out worker takes work seconds sooner. Rebuild whenever workflows/ changes.
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WORKFLOWS_PATH } from './worker';

export const DEFAULT_BUNDLE_PATH = path.join(__dirname, '..', '.build', 'workflow-bundle.js');

async function main(): Promise<void> {
  const target = path.resolve(process.argv[2] ?? DEFAULT_BUNDLE_PATH);
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, code);
  console.log(`workflow bundle written to ${target}; start workers with WORKFLOW_BUNDLE=${target}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
