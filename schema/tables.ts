// The API's read model. Temporal decides the lifecycle; these tables show it, keep the audit
// trail, and remember which e-mails and webhooks went out so a retried activity sends none twice.
import { sql } from 'drizzle-orm';
import { bigint, bigserial, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};

export const instances = pgTable(
  'instances',
  {
    id: text('id').primaryKey(),
    /** WHMCS instances only; Paddle and Stripe instances have none (their reference is billing_ref). */
    whmcsServiceId: integer('whmcs_service_id'),
    whmcsClientId: integer('whmcs_client_id'),
    /** Who bills the instance and its service / subscription id there: create is idempotent per pair. */
    billingSource: text('billing_source').notNull().default('whmcs'),
    /** Always set by the API (WHMCS: the service id); null only on rows written around it. */
    billingRef: text('billing_ref'),
    /** The billing system's customer id (Paddle ctm_…, Stripe cus_…); WHMCS uses whmcs_client_id. */
    billingCustomer: text('billing_customer'),
    /** Dunning as the entity last recorded it: current | past_due | cancelled, and the running grace deadline. */
    billingState: text('billing_state').notNull().default('current'),
    graceUntil: timestamp('grace_until', { withTimezone: true }),
    email: text('email').notNull(),
    plan: text('plan').notNull(),
    region: text('region').notNull(),
    subdomain: text('subdomain').notNull(),
    sshKeys: jsonb('ssh_keys').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    status: text('status').notNull(),
    serverId: bigint('server_id', { mode: 'number' }),
    serverType: text('server_type'),
    location: text('location'),
    ipAddress: text('ip_address'),
    dnsRecordId: text('dns_record_id'),
    currentOperationId: text('current_operation_id'),
    lastError: text('last_error'),
    openclawVersion: text('openclaw_version'),
    /** When the VPS's ready callback used its token; the token is single-use, so later calls send nothing. */
    callbackUsedAt: timestamp('callback_used_at', { withTimezone: true }),
    /** Last operation number handed out; the API takes the next one atomically. */
    operationSeq: integer('operation_seq').notNull().default(0),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('instances_whmcs_service_id_key').on(t.whmcsServiceId),
    uniqueIndex('instances_subdomain_key').on(t.subdomain),
    uniqueIndex('instances_billing_reference_key').on(t.billingSource, t.billingRef),
  ],
);

export const operations = pgTable(
  'operations',
  {
    id: text('id').primaryKey(),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    status: text('status').notNull(),
    args: jsonb('args').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    idempotencyKey: text('idempotency_key'),
    /** Hash of the request that first used the idempotency key: the same key with another body is a conflict. */
    requestHash: text('request_hash'),
    workflowId: text('workflow_id').notNull(),
    requestedBy: text('requested_by').notNull(),
    error: text('error'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('operations_instance_idempotency_key').on(t.instanceId, t.idempotencyKey),
    index('operations_instance_seq').on(t.instanceId, t.seq),
  ],
);

export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    instanceId: text('instance_id').notNull(),
    operationId: text('operation_id'),
    kind: text('kind').notNull(),
    message: text('message').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    /** Set by activities so a retried attempt writes its event once. */
    dedupeKey: text('dedupe_key'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('events_dedupe_key').on(t.dedupeKey), index('events_instance').on(t.instanceId, t.id)],
);

/** One row per e-mail or webhook Hostflow owes: (instance, operation, kind) is sent at most once. */
export const deliveries = pgTable('deliveries', {
  key: text('key').primaryKey(),
  instanceId: text('instance_id').notNull(),
  operationId: text('operation_id').notNull(),
  kind: text('kind').notNull(),
  status: text('status').notNull(),
  attempts: integer('attempts').notNull().default(0),
  lastError: text('last_error'),
  sentAt: timestamp('sent_at', { withTimezone: true }),
  ...timestamps,
});

/**
 * Signed requests already seen, shared by every API replica: a second use of (key, nonce) within
 * the signature window is a replay. Rows are kept for twice the window, then purged.
 */
export const requestNonces = pgTable(
  'request_nonces',
  {
    apiKey: text('api_key').notNull(),
    /** The v2 X-Nonce, or `v1:<signature>` for a legacy-signed POST/DELETE. */
    nonce: text('nonce').notNull(),
    seenAt: timestamp('seen_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ name: 'request_nonces_pkey', columns: [t.apiKey, t.nonce] }), index('request_nonces_seen_at').on(t.seenAt)],
);

/**
 * The instance's on-demand snapshots as its last snapshot operation left them: the workflow
 * reports the whole set and activities/records.ts replaces it. The API lists and checks them here.
 */
export const snapshots = pgTable(
  'snapshots',
  {
    /** Hetzner's image id. */
    imageId: bigint('image_id', { mode: 'number' }).primaryKey(),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id),
    description: text('description').notNull(),
    sizeGb: doublePrecision('size_gb'),
    /** When Hetzner took it. */
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('snapshots_instance').on(t.instanceId, t.createdAt)],
);

/**
 * Every verified Paddle / Stripe webhook, once per (source, event id): a redelivery finds its row
 * and changes nothing; events are applied in occurred_at order per subscription (older: stale).
 * outcome: pending (being applied, or the attempt failed and the provider will retry), applied,
 * stale, ignored (no meaning for Hostflow, or no instance), refused (an order Hostflow cannot start).
 */
export const billingEvents = pgTable(
  'billing_events',
  {
    source: text('source').notNull(),
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    subscriptionId: text('subscription_id'),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    /** SHA-256 of the raw body: a redelivery with other bytes is logged. */
    payloadHash: text('payload_hash').notNull(),
    outcome: text('outcome').notNull(),
    /** What it meant (create, past_due, paid…) and why it was ignored or refused. */
    meaning: text('meaning'),
    reason: text('reason'),
    instanceId: text('instance_id'),
    deliveries: integer('deliveries').notNull().default(1),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'billing_events_pkey', columns: [t.source, t.eventId] }),
    index('billing_events_subscription').on(t.source, t.subscriptionId, t.occurredAt),
  ],
);

export type InstanceRow = typeof instances.$inferSelect;
export type OperationRow = typeof operations.$inferSelect;
export type SnapshotRow = typeof snapshots.$inferSelect;
export type BillingEventRow = typeof billingEvents.$inferSelect;

/**
 * The fleet health monitor's count per instance (activities/fleet-health.ts), kept outside the
 * entity so an idle instance's workflow costs nothing: the entity hears only changes, from the
 * `pending` outbox, which the sweep delivers as signals and then empties.
 */
export const instanceHealth = pgTable(
  'instance_health',
  {
    instanceId: text('instance_id')
      .primaryKey()
      .references(() => instances.id),
    /** unknown (never checked) | healthy | unhealthy */
    status: text('status').notNull().default('unknown'),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    /** Bumped each time the instance turns unhealthy: alerts and the automatic reboot are once per episode. */
    episode: integer('episode').notNull().default(0),
    rebootsInEpisode: integer('reboots_in_episode').notNull().default(0),
    lastCheckedAt: timestamp('last_checked_at', { withTimezone: true }),
    lastOkAt: timestamp('last_ok_at', { withTimezone: true }),
    lastError: text('last_error'),
    /** The sweep that last checked it: a resumed sweep never checks an instance twice. */
    lastSweepId: text('last_sweep_id'),
    /** HealthChange[] not yet signalled to the entity (workflows/fleet-types.ts). */
    pending: jsonb('pending').$type<unknown[]>().notNull().default(sql`'[]'::jsonb`),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('instance_health_pending').on(t.instanceId).where(sql`jsonb_array_length(${t.pending}) > 0`)],
);

/**
 * What the hourly drift sweep found, one row per episode (key = `<kind>:<resource>`): a finding
 * seen again stays one row, one alert; one no longer seen is resolved (and alerted as such).
 */
export const driftFindings = pgTable(
  'drift_findings',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    key: text('key').notNull(),
    kind: text('kind').notNull(),
    instanceId: text('instance_id'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    /** The sweep that last saw it. */
    lastSweepId: text('last_sweep_id'),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  // At most one open episode per key.
  (t) => [uniqueIndex('drift_findings_open_key').on(t.key).where(sql`${t.resolvedAt} is null`)],
);
