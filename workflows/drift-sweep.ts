// driftSweepWorkflow: one run an hour, started by the `hostflow-drift-sweep` Schedule. One step
// compares Hetzner and Cloudflare with the read model; each finding it returns is then acted on
// as its own visible step — an alert, a signal to the instance, a repair — so the Web UI shows
// exactly what the sweep did and why. What to do was decided by the scan (DRIFT_* settings).
import { ActivityFailure, getExternalWorkflowHandle, log, rootCause, workflowInfo } from '@temporalio/workflow';
import { activitiesFor } from './activity-proxies';
import { raiseAlert } from './alerts';
import type { Alert, DriftFinding, DriftScan } from './fleet-types';
import type { SweepInput } from './health-sweep';
import { instanceWorkflowId } from './ids';
import { driftFoundSignal } from './messages';

export interface DriftSweepReport {
  counts: DriftScan['counts'];
  acted: number;
  /** Findings whose repair failed for good (e.g. the name is taken by a record Hostflow does not own): alerted, left for an operator. */
  failed: string[];
  resolved: number;
  truncated: boolean;
}

export async function driftSweepWorkflow(input: SweepInput = {}): Promise<DriftSweepReport> {
  const { sweep } = activitiesFor(input);
  const scan = await sweep.findDrift.executeWithOptions({ summary: 'compare Hetzner servers and Cloudflare records with the read model' }, [{ sweepId: workflowInfo().workflowId }]);
  const failed: string[] = [];
  for (const finding of scan.findings) {
    try {
      await act(finding, input);
    } catch (error) {
      // One repair that cannot be done must not stop the others; its alert is already out.
      if (!(error instanceof ActivityFailure)) throw error;
      log.warn('drift: repair failed', { finding: finding.key, error: rootCause(error) });
      failed.push(`${finding.key}: ${rootCause(error)}`);
    }
  }
  for (const finding of scan.resolved) await raiseAlert(driftAlert(finding, true));
  return { counts: scan.counts, acted: scan.findings.length, failed, resolved: scan.resolved.length, truncated: scan.truncated };
}

async function act(finding: DriftFinding, input: SweepInput): Promise<void> {
  const { repair } = activitiesFor(input);
  if (finding.isNew) await raiseAlert(driftAlert(finding, false));
  switch (finding.action) {
    case 'attention':
    case 'power_on':
    case 'notify':
      // The instance decides what to queue (monitoring.ts); once per episode.
      if (finding.isNew) await tellInstance(finding);
      return;
    case 'repair_dns':
      await repair.repairDnsRecord.executeWithOptions({ summary: `repair DNS of ${finding.subdomain ?? finding.instanceId}: ${finding.message}` }, [finding]);
      return;
    case 'delete_orphan':
      await repair.deleteOrphan.executeWithOptions({ summary: `delete orphan: ${finding.message}` }, [finding]);
      return;
    case 'alert_only':
      return;
  }
}

async function tellInstance(finding: DriftFinding): Promise<void> {
  if (!finding.instanceId || finding.serverId === undefined || (finding.kind !== 'server_vanished' && finding.kind !== 'server_off')) return;
  try {
    await getExternalWorkflowHandle(instanceWorkflowId(finding.instanceId)).signal(driftFoundSignal, {
      key: finding.key,
      kind: finding.kind,
      serverId: finding.serverId,
      message: finding.message,
      repairPower: finding.action === 'power_on',
    });
  } catch (error) {
    // The instance's workflow has ended since the scan (terminated): nothing left to tell.
    log.warn('drift: could not signal the instance', { instanceId: finding.instanceId, finding: finding.key, error: String(error) });
  }
}

function driftAlert(finding: DriftFinding, resolved: boolean): Alert {
  const where = finding.subdomain ?? finding.instanceId ?? 'no instance';
  const details: Alert['details'] = { finding: finding.key, kind: finding.kind, action: finding.action, episode: finding.episodeId };
  for (const [name, value] of Object.entries({ server_id: finding.serverId, record_id: finding.recordId, expected: finding.expected, found: finding.found, created_at: finding.createdAt, age_seconds: finding.ageSeconds })) {
    if (value !== undefined) details[name] = value;
  }
  return {
    key: `drift:${finding.episodeId}${resolved ? ':resolved' : ''}`,
    kind: 'drift',
    severity: resolved ? 'resolved' : finding.kind.startsWith('orphan') || finding.kind.startsWith('dns') ? 'warning' : 'critical',
    title: resolved ? `drift resolved (${where}): ${finding.message}` : `drift (${where}): ${finding.message}`,
    ...(finding.instanceId ? { instanceId: finding.instanceId } : {}),
    ...(finding.subdomain ? { subdomain: finding.subdomain } : {}),
    details,
    at: new Date().toISOString(),
  };
}
