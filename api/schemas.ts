// Every request and response shape of the API, once. The routes validate with these schemas
// and api/openapi.ts builds the OpenAPI document from the very same objects, so the two cannot
// drift. Request objects are strict: an unknown field is a 400, not silently dropped.
import { z } from 'zod';
import { PLANS, REGIONS } from '../config/catalog';
import { SIGNING_PATTERNS } from '../config/request-signing';
import { parsePublicKey } from '../config/ssh-public-key';
import { HEALTH_STATUSES } from '../workflows/fleet-types';
import { INSTANCE_STATUSES, OPERATION_STATUSES, OPERATION_TYPES } from '../workflows/statuses';
import { ERROR_CODES } from './errors';

const MAX_INT32 = 2_147_483_647;

const whmcsId = (what: string) =>
  z.number().int().min(1).max(MAX_INT32).meta({ description: `WHMCS ${what} id (a positive 32-bit integer)`, example: 1042 });

export const PlanName = z.enum(PLANS).meta({ id: 'Plan', description: 'A plan of the catalog' });
export const RegionName = z.enum(REGIONS).meta({ id: 'Region', description: 'A region of the catalog' });

/** A DNS label: 3–30 of a-z, 0-9 and '-', not starting or ending with '-'. */
export const HOSTNAME_PATTERN = /^[a-z0-9][a-z0-9-]{1,28}[a-z0-9]$/;

// A key is stored at Hetzner and passed by id: one line of printable ASCII, a known key type, and
// base64 key data that really holds a key of that type (config/ssh-public-key.ts), so a bad line
// is refused here rather than by Hetzner halfway through a provision.
export const SshKey = z
  .string()
  .max(8192)
  .superRefine((line, ctx) => {
    const key = parsePublicKey(line);
    if (typeof key === 'string') ctx.addIssue({ code: 'custom', message: `expected one OpenSSH public key line such as "ssh-ed25519 AAAA… comment": ${key}` });
  })
  .meta({ example: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG4rT3vTt99Ox5kndS4HmgTrKBT8SKzhK4rhGkEVGlCI alice@laptop' });

export const CreateInstanceBody = z
  .strictObject({
    whmcs_service_id: whmcsId('service'),
    whmcs_client_id: whmcsId('client'),
    email: z.email().max(254).meta({ example: 'alice@example.com' }),
    plan: PlanName,
    region: RegionName,
    hostname: z
      .string()
      .regex(HOSTNAME_PATTERN, "expected 3–30 of a-z, 0-9 and '-', not starting or ending with '-'")
      .optional()
      .meta({ description: 'Subdomain to use; default `vps-<whmcs_service_id>`', example: 'alice-box' }),
    ssh_keys: z.array(SshKey).max(5).optional().meta({ description: 'Up to 5 OpenSSH public keys' }),
  })
  .meta({ id: 'CreateInstanceRequest' });
export type CreateInstanceBody = z.infer<typeof CreateInstanceBody>;

const reason = z.string().min(1).max(500).meta({ description: 'Free text kept with the operation', example: 'invoice overdue' });

export const ReasonBody = z.strictObject({ reason: reason.optional() }).meta({ id: 'ReasonRequest' });
export const ResizeBody = z
  .strictObject({
    plan: z
      .string()
      .min(1)
      .max(64)
      .meta({ description: `Target plan (${PLANS.join(', ')}); a plan not in the catalog is refused with 409 INVALID_TRANSITION`, example: 'professional' }),
  })
  .meta({ id: 'ResizeRequest' });
export const TerminateBody = z
  .strictObject({ snapshot: z.boolean().optional().meta({ description: 'Snapshot the server before deleting it' }) })
  .meta({ id: 'TerminateRequest' });

export const ReadyBody = z
  .strictObject({
    // Whatever `openclaw --version` prints (e.g. "1.2.3 (build 4)"): one line of printable ASCII.
    openclaw_version: z
      .string()
      .regex(/^[\x20-\x7e]{1,64}$/, 'expected 1–64 printable ASCII characters')
      .optional()
      .meta({ description: 'The gateway version the VPS reports: 1–64 printable ASCII characters', example: '1.2.3 (build 4)' }),
    gateway_port: z.number().int().min(1).max(65535).optional().meta({ example: 18789 }),
  })
  .meta({ id: 'ReadyRequest' });

export const WEBHOOK_EVENTS = { InvoicePaid: 'unsuspend', ServiceCancelled: 'terminate', ServiceUpgrade: 'resize' } as const;
export type KnownWebhookEvent = keyof typeof WEBHOOK_EVENTS;

export const InvoicePaidEvent = z
  .strictObject({
    event: z.literal('InvoicePaid'),
    service_id: whmcsId('service'),
    invoice_id: whmcsId('invoice').optional(),
  })
  .meta({ id: 'InvoicePaidEvent', description: 'Unsuspends the instance' });
export const ServiceCancelledEvent = z
  .strictObject({
    event: z.literal('ServiceCancelled'),
    service_id: whmcsId('service'),
    snapshot: z.boolean().optional(),
    reason: reason.optional(),
  })
  .meta({ id: 'ServiceCancelledEvent', description: 'Terminates the instance' });
export const ServiceUpgradeEvent = z
  .strictObject({
    event: z.literal('ServiceUpgrade'),
    service_id: whmcsId('service'),
    plan: ResizeBody.shape.plan,
  })
  .meta({ id: 'ServiceUpgradeEvent', description: 'Resizes the instance to `plan`' });
export const OtherEvent = z
  .looseObject({ event: z.string().min(1).max(100) })
  .meta({ id: 'OtherEvent', description: 'Any other event: logged and answered 202 without effect' });

export const KNOWN_WEBHOOK_SCHEMAS = {
  InvoicePaid: InvoicePaidEvent,
  ServiceCancelled: ServiceCancelledEvent,
  ServiceUpgrade: ServiceUpgradeEvent,
} as const;
export const WebhookEnvelope = z.looseObject({ event: z.string().min(1).max(100) });
export const WebhookBody = z
  .union([InvoicePaidEvent, ServiceCancelledEvent, ServiceUpgradeEvent, OtherEvent])
  .meta({ id: 'WhmcsWebhook' });

// ---- path and query parameters ----

export const InstanceIdParams = z.object({
  id: z.string().meta({ param: { description: 'Instance id (a UUID)' }, example: '0b7d1c9e-2f4e-4c59-9f44-1d2a3b4c5d6e' }),
});
export const OperationIdParams = InstanceIdParams.extend({
  op_id: z.string().meta({ param: { description: 'Operation id (a UUID)' } }),
});
export const ListInstancesQuery = z.strictObject({
  whmcs_service_id: z
    .string()
    .regex(/^[1-9]\d{0,9}$/, 'expected a positive integer')
    .refine((value) => Number(value) <= MAX_INT32, 'expected a 32-bit integer')
    .meta({ param: { description: 'WHMCS service id to look up' }, example: '1042' }),
});

export const OPERATIONS_PAGE = { defaultLimit: 50, maxLimit: 200 } as const;
export const OperationsPageQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^[1-9]\d{0,2}$/, 'expected a positive integer')
    .refine((value) => Number(value) <= OPERATIONS_PAGE.maxLimit, `at most ${OPERATIONS_PAGE.maxLimit}`)
    .optional()
    .meta({ param: { description: `Operations per page (1–${OPERATIONS_PAGE.maxLimit}, default ${OPERATIONS_PAGE.defaultLimit})` }, example: '50' }),
  after_seq: z
    .string()
    .regex(/^(0|[1-9]\d{0,9})$/, 'expected a non-negative integer')
    .optional()
    .meta({ param: { description: 'Only operations with a larger seq: the `next_after_seq` of the previous page' }, example: '50' }),
});

export const IdempotencyKeyHeader = z.object({
  'idempotency-key': z
    .string()
    .regex(SIGNING_PATTERNS.idempotencyKey)
    .meta({ param: { description: 'Required on every POST and DELETE, and signed (signature v2). Same key, same operation; the same key with another body is 409 CONFLICT (1–200 printable ASCII)' } }),
});

// ---- responses ----

const timestamp = z.iso.datetime({ offset: true }).meta({ example: '2025-11-02T10:15:30.000Z' });

export const OperationView = z
  .object({
    id: z.string(),
    type: z.enum(OPERATION_TYPES),
    seq: z.number().int().meta({ description: 'n in the workflow id `instance-<id>/<type>-<n>`' }),
    status: z.enum(OPERATION_STATUSES),
    workflow_id: z.string().meta({ example: 'instance-0b7d1c9e-2f4e-4c59-9f44-1d2a3b4c5d6e/provision-1' }),
    args: z.object({
      plan: z.string().optional(),
      snapshot: z.boolean().optional(),
      reason: z.string().optional(),
      image: z.string().optional().meta({ description: 'rebuild: the system image installed' }),
      snapshot_id: z.number().int().optional().meta({ description: 'rebuild: the snapshot restored; delete_snapshot: the snapshot deleted' }),
      description: z.string().optional().meta({ description: "snapshot: the customer's label" }),
    }),
    error: z.string().nullable(),
    requested_by: z.string().meta({
      description: 'Who asked: the signed client (`whmcs:<api key>`), a billing event (`billing:<source>`, dunning), or a monitor (`health-monitor`: an automatic reboot; `drift-monitor`: a repair)',
      example: 'whmcs:billing-1',
    }),
    created_at: timestamp,
    updated_at: timestamp,
    started_at: timestamp.nullable(),
    finished_at: timestamp.nullable(),
  })
  .meta({ id: 'Operation' });
export type OperationView = z.infer<typeof OperationView>;

export const InstanceView = z
  .object({
    id: z.string(),
    status: z.enum(INSTANCE_STATUSES),
    plan: z.string(),
    region: z.string(),
    ip_address: z.string().nullable(),
    subdomain: z.string(),
    url: z.string().meta({ example: 'https://alice-box.example.com' }),
    server: z.object({ id: z.number().int().nullable(), type: z.string().nullable(), location: z.string().nullable() }),
    dns: z.object({ record_id: z.string().nullable() }),
    current_operation: OperationView.nullable(),
    last_error: z.string().nullable(),
    billing: z
      .object({
        state: z.enum(['current', 'past_due', 'cancelled']).meta({ description: 'current: paid up; past_due: a payment failed, the grace period runs; cancelled: removal is scheduled' }),
        grace_until: timestamp.nullable().meta({ description: 'When the running grace period ends (suspend if past due, remove if cancelled), unless paid or reactivated' }),
      })
      .meta({ id: 'Billing' }),
    health: z
      .object({
        status: z.enum(HEALTH_STATUSES).meta({ description: 'unknown: not checked yet; healthy: the last check passed; unhealthy: enough checks in a row failed (HEALTH_UNHEALTHY_AFTER)' }),
        consecutive_failures: z.number().int().meta({ description: 'Failed checks since the last one that passed' }),
        last_checked_at: timestamp.nullable().meta({ description: 'When the health sweep last checked the instance' }),
        last_ok_at: timestamp.nullable().meta({ description: 'When a check last passed' }),
      })
      .meta({ id: 'InstanceHealth', description: "What the fleet health sweep (every HEALTH_SWEEP_INTERVAL) last saw at the instance's health URL" }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Instance' });
export type InstanceView = z.infer<typeof InstanceView>;

export const CreateInstanceResponse = z
  .object({ id: z.string(), status: z.enum(INSTANCE_STATUSES), subdomain: z.string(), url: z.string(), operation: OperationView })
  .meta({ id: 'CreateInstanceResponse' });
export const OperationResponse = z.object({ operation: OperationView }).meta({ id: 'OperationResponse' });
export const InstanceList = z.object({ instances: z.array(InstanceView) }).meta({ id: 'InstanceList' });
export const OperationList = z
  .object({
    operations: z.array(OperationView),
    next_after_seq: z.number().int().nullable().meta({ description: 'Pass as `after_seq` for the next page; null on the last page' }),
  })
  .meta({ id: 'OperationList' });
export const ReadyResponse = z.object({ acknowledged: z.literal(true) }).meta({ id: 'ReadyResponse' });
export const WebhookResponse = z
  .object({
    event: z.string(),
    operation: OperationView.optional().meta({ description: 'The operation the event asked for' }),
    ignored: z.literal(true).optional().meta({ description: 'Set for events Hostflow does not act on' }),
  })
  .meta({ id: 'WebhookResponse' });

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES as [string, ...string[]]),
      message: z.string(),
      details: z.array(z.object({ path: z.string().optional(), message: z.string() })),
    }),
  })
  .meta({ id: 'Error' });

const check = z.object({ ok: z.boolean(), latency_ms: z.number(), error: z.string().optional() });
export const HealthResponse = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    checks: z.object({ temporal: check, postgres: check }),
    error: ErrorBody.shape.error.optional().meta({ description: 'Present with 503' }),
  })
  .meta({ id: 'Health' });
