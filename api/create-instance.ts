// POST /api/instances: write the instance and its provision operation in one transaction (one
// round trip, api/instance-write.ts), then signalWithStart the entity workflow. The start runs
// for a new AND an existing instance, so a crash between the insert and the start heals on the
// billing system's retry; the workflow de-duplicates the provision request by its idempotency key.
import { and, eq } from 'drizzle-orm';
import type { Plan } from '../config/catalog';
import type { ApiConfig } from '../config/api-config';
import type { Database } from '../schema/db';
import { operations, type InstanceRow, type OperationRow } from '../schema/tables';
import type { InstanceWorkflowInput, OperationRequest } from '../workflows/domain';
import { replayRefusal } from './auth/signature';
import type { PendingNonce } from './auth/replay-store';
import { pgErrorCode, UNIQUE_VIOLATION } from './db-errors';
import { ApiError } from './errors';
import { assertSameRequest, requestHash } from './idempotency';
import { writeInstanceOnce, type BillingReference, type InstanceOrder, type WriteOutcome } from './instance-write';
import { findInstanceByReference } from './read-model';
import type { CreateInstanceBody } from './schemas';
import type { TemporalGateway } from './temporal-gateway';

/** The provision request's key inside the entity workflow: there is one provision per instance. */
export const PROVISION_IDEMPOTENCY_KEY = 'provision';

export interface CreateContext {
  requestedBy: string;
  idempotencyKey: string | undefined;
  /** A signed request's nonce, claimed in the create's own write. */
  nonce?: PendingNonce;
}

export type { BillingReference, InstanceOrder } from './instance-write';

export interface Created {
  instance: InstanceRow;
  operation: OperationRow;
  created: boolean;
}

export async function createInstance(
  deps: { db: Database; temporal: TemporalGateway; config: ApiConfig },
  body: CreateInstanceBody,
  context: CreateContext,
): Promise<Created> {
  return createOrderedInstance(deps, whmcsOrder(body), context, requestHash('create', body));
}

/** The one create path (POST /api/instances and the Paddle / Stripe activation events). */
export async function createOrderedInstance(
  deps: { db: Database; temporal: TemporalGateway; config: ApiConfig },
  order: InstanceOrder,
  context: CreateContext,
  hash = requestHash('create', order),
): Promise<Created> {
  const result = await writeInstance(deps.db, order, context, hash);
  // A no-op once the write claimed it; a 202 is never given to a request whose nonce is not in the table.
  await context.nonce?.claim();
  await deps.temporal.startInstance(workflowInput(result.instance, deps.config), provisionRequest(result.operation));
  return result;
}

function whmcsOrder(body: CreateInstanceBody): InstanceOrder {
  return {
    reference: { source: 'whmcs', ref: String(body.whmcs_service_id) },
    whmcs: { serviceId: body.whmcs_service_id, clientId: body.whmcs_client_id },
    email: body.email,
    plan: body.plan,
    region: body.region,
    subdomain: body.hostname ?? `vps-${body.whmcs_service_id}`,
    sshKeys: body.ssh_keys ?? [],
  };
}

export function workflowInput(row: InstanceRow, config: ApiConfig): InstanceWorkflowInput {
  // No e-mail and nothing secret: workflow inputs live in the history; activities load the rest.
  return {
    instance: {
      instanceId: row.id,
      customerId: row.whmcsClientId !== null ? String(row.whmcsClientId) : (row.billingCustomer ?? row.billingRef ?? row.id),
      serviceId: row.billingRef ?? String(row.whmcsServiceId),
      plan: row.plan,
      region: row.region,
      subdomain: row.subdomain,
      sshKeys: row.sshKeys,
      // Hetzner's automatic backups (+20 % of the server price) for the plans that include them.
      ...(config.catalog.backups[row.plan as Plan] ? { backups: true } : {}),
    },
    readyTimeoutMs: config.provisionReadyTimeoutMs,
    billing: config.billing.policy,
  };
}

export function provisionRequest(row: OperationRow): OperationRequest {
  return {
    operationId: row.id,
    type: 'provision',
    seq: 1,
    args: {},
    idempotencyKey: PROVISION_IDEMPOTENCY_KEY,
    requestedBy: row.requestedBy,
  };
}

async function writeInstance(db: Database, order: InstanceOrder, context: CreateContext, hash: string): Promise<Created> {
  const write = { ...order, idempotencyKey: context.idempotencyKey, requestHash: hash, requestedBy: context.requestedBy, nonce: context.nonce };
  let outcome: WriteOutcome;
  try {
    outcome = await writeInstanceOnce(db, write);
  } catch (error) {
    if (pgErrorCode(error) !== UNIQUE_VIOLATION) throw error;
    // Rolled back, nonce included: claim it on its own before answering.
    await context.nonce?.claim();
    // Two requests for the same reference at once can meet on the subdomain index before the
    // reference index settles it; after the winner commits, the reference finds its instance.
    const existing = await existingInstance(db, order.reference);
    if (existing) return existing;
    throw new ApiError('CONFLICT', 'the hostname is already used by another instance', [
      { path: 'hostname', message: 'already in use' },
    ]);
  }
  switch (outcome.kind) {
    case 'inserted':
      return { instance: outcome.instance, operation: outcome.operation, created: true };
    case 'same-key':
      assertSameRequest(outcome.operation.requestHash, hash);
      if (outcome.instance) return { instance: outcome.instance, operation: outcome.operation, created: false };
      break;
    case 'existing':
      if (!outcome.operation) throw new Error(`instance ${outcome.instance.id} has no provision operation`);
      return { instance: outcome.instance, operation: outcome.operation, created: false };
    case 'replayed':
      throw replayRefusal();
    case 'raced':
      break;
  }
  // Another create of this reference committed while the statement ran: read it now.
  const existing = await existingInstance(db, order.reference);
  if (existing) return existing;
  throw new Error(`instance for ${order.reference.source} ${order.reference.ref} vanished during create`);
}

type Queryable = Pick<Database, 'select'>;

async function existingInstance(db: Queryable, reference: BillingReference): Promise<Created | undefined> {
  const instance = await findInstanceByReference(db as Database, reference);
  if (!instance) return undefined;
  const [operation] = await db
    .select()
    .from(operations)
    .where(and(eq(operations.instanceId, instance.id), eq(operations.type, 'provision')))
    .orderBy(operations.seq)
    .limit(1);
  if (!operation) throw new Error(`instance ${instance.id} has no provision operation`);
  return { instance, operation, created: false };
}
