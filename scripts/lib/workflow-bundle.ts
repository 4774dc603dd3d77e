// Bundles workflow code once into a file that every worker of a test or bench run loads, so no
// worker spends its start (7–15 s on 2 cores) bundling again.
import { bundleWorkflowCode } from '@temporalio/worker';
import { writeFileSync } from 'node:fs';

// The bundler's progress lines would drown the test and bench output; its errors still show.
const errorsOnly = { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } as never;

/** Writes the bundle of `workflowsPath` to `file` and answers `file`. */
export async function writeWorkflowBundle(workflowsPath: string, file: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: errorsOnly });
  writeFileSync(file, code);
  return file;
}
