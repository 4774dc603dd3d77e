// Every workflow type the worker registers (its workflowsPath).
export { instanceWorkflow } from './instance-workflow';
export { provisionWorkflow } from './provision-workflow';
export { rebootWorkflow, resizeWorkflow, suspendWorkflow, unsuspendWorkflow } from './server-operations';
export { terminateWorkflow } from './terminate-workflow';
