// The baseline's activities: nothing, a `ready` signal sent without waiting for it (as the VM's
// callback arrives on its own), and a completion report to the harness over HTTP (as Hostflow's
// last step writes the read model the harness watches).
import { Context } from '@temporalio/activity';
import * as http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export async function noop(): Promise<void> {}

export async function noopSignalReady(workflowId: string): Promise<void> {
  const { client } = Context.current();
  // Not awaited: the real callback races the provision's next steps the same way.
  client.workflow.getHandle(workflowId).signal('ready').catch((error: unknown) => {
    process.stderr.write(`baseline ready signal to ${workflowId} failed: ${String(error)}\n`);
  });
}

export function noopReport(key: string): Promise<void> {
  const url = process.env.BENCH_REPORT_URL;
  if (!url) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/${encodeURIComponent(key)}`, { method: 'POST', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end();
  });
}
