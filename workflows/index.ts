// Every workflow type the worker registers (its workflowsPath).
export { instanceWorkflow } from './instance-workflow';
export { provisionWorkflow } from './provision-workflow';
export { rebootWorkflow, resizeWorkflow, suspendWorkflow, unsuspendWorkflow } from './server-operations';
export { deleteSnapshotWorkflow, rebuildWorkflow, resetPasswordWorkflow, snapshotWorkflow } from './server-care';
export { terminateWorkflow } from './terminate-workflow';
export { alertWorkflow } from './alerts';
export { healthSweepWorkflow } from './health-sweep';
export { driftSweepWorkflow } from './drift-sweep';
