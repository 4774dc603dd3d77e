// POST /api/instances: write the instance and its provision operation in one transaction, then
// signalWithStart the entity workflow. The start runs for a new AND an existing instance, so a
// crash between the insert and the start heals on the billing system's retry; the workflow
// de-duplicates the provision request by its idempotency key.
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Plan } from '../config/catalog';
import type { ApiConfig } from '../config/api-config';
import type { Database } from '../schema/db';
import { instances, operations, type InstanceRow, type OperationRow } from '../schema/tables';
import type { BillingSource } from '../workflows/billing-types';
import type { InstanceWorkflowInput, OperationRequest } from '../workflows/domain';
import { provisionWorkflowId } from '../workflows/ids';
import { pgErrorCode, UNIQUE_VIOLATION } from './db-errors';
import { ApiError } from './errors';
import { assertSameRequest, requestHash } from './idempotency';
import { findInstanceByReference } from './read-model';
import type { CreateInstanceBody } from './schemas';
import type { TemporalGateway } from './temporal-gateway';

/** The provision request's key inside the entity workflow: there is one provision per instance. */
export const PROVISION_IDEMPOTENCY_KEY = 'provision';

export interface CreateContext {
  requestedBy: string;
  idempotencyKey: string | undefined;
}

/** Who bills the instance, and its service / subscription id there: one instance per reference. */
export interface BillingReference {
  source: BillingSource;
  ref: string;
}

/** An instance to create, whichever billing system ordered it (WHMCS body, Paddle or Stripe event). */
export interface InstanceOrder {
  reference: BillingReference;
  /** WHMCS orders only (their routes and fields stay as they were). */
  whmcs?: { serviceId: number; clientId: number };
  /** The billing system's customer id (Paddle ctm_…, Stripe cus_…). */
  customer?: string;
  email: string;
  plan: string;
  region: string;
  subdomain: string;
  sshKeys: string[];
}

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
  try {
    return await db.transaction(async (tx) => {
      const earlier = context.idempotencyKey === undefined ? undefined : await createdWithKey(tx, context.idempotencyKey, hash);
      return earlier ?? (await insertInstance(tx, order, context, hash));
    });
  } catch (error) {
    if (pgErrorCode(error) !== UNIQUE_VIOLATION) throw error;
    // Two requests for the same reference at once can meet on the subdomain index before the
    // reference index settles it; after the winner commits, the reference finds its instance.
    const existing = await existingInstance(db, order.reference);
    if (existing) return existing;
    throw new ApiError('CONFLICT', 'the hostname is already used by another instance', [
      { path: 'hostname', message: 'already in use' },
    ]);
  }
}

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/** The instance an earlier create with this Idempotency-Key made (409 if its body differed). */
async function createdWithKey(tx: Transaction, key: string, hash: string): Promise<Created | undefined> {
  // Serialises creates that share a key, so "same key, other body" is caught even when both
  // arrive at once.
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`hostflow:create:${key}`}, 0))`);
  const [previous] = await tx
    .select()
    .from(operations)
    .where(and(eq(operations.type, 'provision'), eq(operations.idempotencyKey, key)))
    .limit(1);
  if (!previous) return undefined;
  assertSameRequest(previous.requestHash, hash);
  const [instance] = await tx.select().from(instances).where(eq(instances.id, previous.instanceId)).limit(1);
  return instance ? { instance, operation: previous, created: false } : undefined;
}

/** The instance row and its provision operation; the reference's existing instance if it has one. */
async function insertInstance(tx: Transaction, order: InstanceOrder, context: CreateContext, hash: string): Promise<Created> {
  const id = randomUUID();
  const [inserted] = await tx
    .insert(instances)
    .values({
      id,
      whmcsServiceId: order.whmcs?.serviceId ?? null,
      whmcsClientId: order.whmcs?.clientId ?? null,
      billingSource: order.reference.source,
      billingRef: order.reference.ref,
      billingCustomer: order.customer ?? null,
      email: order.email,
      plan: order.plan,
      region: order.region,
      subdomain: order.subdomain,
      sshKeys: order.sshKeys,
      status: 'provisioning',
      operationSeq: 1,
    })
    .onConflictDoNothing({ target: [instances.billingSource, instances.billingRef] })
    .returning();
  if (!inserted) {
    const existing = await existingInstance(tx, order.reference);
    if (existing) return existing;
    throw new Error(`instance for ${order.reference.source} ${order.reference.ref} vanished during create`);
  }
  const [operation] = await tx
    .insert(operations)
    .values({
      id: randomUUID(),
      instanceId: id,
      seq: 1,
      type: 'provision',
      status: 'queued',
      args: {},
      idempotencyKey: context.idempotencyKey ?? null,
      requestHash: hash,
      workflowId: provisionWorkflowId(id),
      requestedBy: context.requestedBy,
    })
    .returning();
  if (!operation) throw new Error('provision operation was not written');
  return { instance: inserted, operation, created: true };
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
