// Search attributes operators filter on in the Web UI (all Keyword, registered from temporal-dev.yaml).
import { defineSearchAttributeKey, type SearchAttributePair } from '@temporalio/common';
import type { InstanceSpec } from './domain';
import type { InstanceStatus, OperationType } from './statuses';

export const SA_INSTANCE_ID = defineSearchAttributeKey('InstanceId', 'KEYWORD');
export const SA_CUSTOMER_ID = defineSearchAttributeKey('CustomerId', 'KEYWORD');
export const SA_PLAN = defineSearchAttributeKey('Plan', 'KEYWORD');
export const SA_REGION = defineSearchAttributeKey('Region', 'KEYWORD');
export const SA_INSTANCE_STATUS = defineSearchAttributeKey('InstanceStatus', 'KEYWORD');
export const SA_OPERATION = defineSearchAttributeKey('Operation', 'KEYWORD');
/** healthy | unhealthy (unset until the first change): the health monitor's view, set only when it changes. */
export const SA_HEALTH = defineSearchAttributeKey('Health', 'KEYWORD');

/** The six attributes every workflow of an instance starts with, in one place. */
export function instanceSearchAttributes(
  instance: Pick<InstanceSpec, 'instanceId' | 'customerId' | 'plan' | 'region'>,
  status: InstanceStatus,
  operation: OperationType | '',
): SearchAttributePair[] {
  return [
    { key: SA_INSTANCE_ID, value: instance.instanceId },
    { key: SA_CUSTOMER_ID, value: instance.customerId },
    { key: SA_PLAN, value: instance.plan },
    { key: SA_REGION, value: instance.region },
    { key: SA_INSTANCE_STATUS, value: status },
    { key: SA_OPERATION, value: operation },
  ];
}
