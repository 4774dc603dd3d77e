// The OpenAPI 3.1 document, generated from the zod schemas the routes validate with.
import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { ERROR_STATUS, type ErrorCode } from './errors';
import { KEY_REUSED_MESSAGE } from './idempotency';
import { billingRoutes } from './openapi-billing';
import { vpsRoutes } from './openapi-vps';
import { CatalogResponse } from './routes/catalog';
import {
  CreateInstanceBody,
  CreateInstanceResponse,
  ErrorBody,
  HealthResponse,
  IdempotencyKeyHeader,
  InstanceIdParams,
  InstanceList,
  InstanceView,
  ListInstancesQuery,
  OperationIdParams,
  OperationList,
  OperationResponse,
  OperationsPageQuery,
  OperationView,
  ReadyBody,
  ReadyResponse,
  ReasonBody,
  ResizeBody,
  TerminateBody,
  WebhookBody,
  WebhookResponse,
} from './schemas';

const json = (schema: z.ZodType, description: string): ResponseConfig => ({
  description,
  content: { 'application/json': { schema } },
});

const ERROR_DESCRIPTIONS: Record<ErrorCode, string> = {
  VALIDATION_ERROR: 'VALIDATION_ERROR: the body, query or a header is invalid, or the body is not JSON',
  UNAUTHORIZED: 'UNAUTHORIZED: missing, stale or wrong signature (or callback token)',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND: no such instance or operation',
  INVALID_TRANSITION: 'INVALID_TRANSITION: the operation can never run on this instance',
  CONFLICT: `CONFLICT: ${KEY_REUSED_MESSAGE}, or the hostname is taken`,
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE: the body is over 64 KiB',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE: the body is not application/json (UTF-8, uncompressed)',
  RATE_LIMITED: 'RATE_LIMITED: too many requests, or (suspend, unsuspend, reboot, resize, webhooks) the instance already has API_MAX_QUEUED_OPERATIONS (default 20) operations queued; see Retry-After',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  UNAVAILABLE: 'UNAVAILABLE: Temporal or Postgres is not answering; retry later',
};

/** Error responses keyed by status; two codes can share a status (409). */
function errors(...codes: ErrorCode[]): Record<number, ResponseConfig> {
  const byStatus = new Map<number, string[]>();
  for (const code of [...codes, 'INTERNAL_ERROR' as const]) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), ERROR_DESCRIPTIONS[code]]);
  }
  const responses: Record<number, ResponseConfig> = {};
  for (const [status, descriptions] of byStatus) {
    const response = json(ErrorBody, descriptions.join('; '));
    if (status === 429) response.headers = { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } };
    responses[status] = response;
  }
  return responses;
}

/** Signature v2 as the README's "Signing" section states it (config/request-signing.ts implements it). */
const SIGNING_DESCRIPTION = [
  '**Signing (signature v2).** Every route but `ready`, `health` and the docs needs `X-API-Key`, `X-Timestamp`, `X-Nonce`, ' +
    '`Idempotency-Key` (on every POST and DELETE; `400 VALIDATION_ERROR` without) and `X-Signature: v2=<64 lowercase hex>` = ' +
    'HMAC-SHA256(secret, S), where S is these 8 lines joined by `\\n` (no trailing newline):',
  '',
  '```',
  'hostflow-v2',
  'request',
  '<HTTP method, upper case>',
  '<path with query string exactly as on the request line>',
  '<X-Timestamp>',
  '<X-Nonce>',
  '<Idempotency-Key, or the empty string when absent (GET)>',
  '<lowercase hex SHA-256 of the raw body bytes (of the empty string when there is no body)>',
  '```',
  '',
  'Example: key `whmcs-main`, secret `example-secret-0123456789abcdef`, `POST /api/instances`, `X-Timestamp: 1767225600`, ' +
    '`X-Nonce: pK3v9XqL2mN8sR4tW6yZ0b`, `Idempotency-Key: whmcs-1042-create`, body ' +
    '`{"whmcs_service_id":1042,"whmcs_client_id":77,"email":"alice@example.com","plan":"starter","region":"eu-frankfurt"}` → ' +
    '`X-Signature: v2=b89408892a5f46d255f963d10938b9d6df021c390aaa0c957ceae79a42fcafb1`.',
  '',
  'A stale or non-canonical timestamp, a wrong signature, or a nonce already used by the key is `401 UNAUTHORIZED`. ' +
    "Hostflow's billing webhook is signed the same way with line 2 `webhook` and its own secret. " +
    'The legacy v1 signature (hex HMAC of body + timestamp) is refused unless the operator enables it for an old integration.',
].join('\n');

const SIGNED = [{ ApiKey: [], Timestamp: [], Nonce: [], Signature: [] }];
const SIGNED_ERRORS = ['UNAUTHORIZED', 'RATE_LIMITED'] as const;
const WRITE_ERRORS = [...SIGNED_ERRORS, 'VALIDATION_ERROR', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'UNAVAILABLE'] as const;

const body = (schema: z.ZodType, required: boolean): NonNullable<RouteConfig['request']>['body'] => ({
  required,
  content: { 'application/json': { schema } },
});

/** Every route of the API as the document describes it: the test compares these with the app. */
export const ROUTES: RouteConfig[] = [
  {
    method: 'post',
    path: '/api/instances',
    operationId: 'createInstance',
    summary: 'Create an instance (idempotent on whmcs_service_id) and start provisioning it',
    security: SIGNED,
    request: { headers: IdempotencyKeyHeader, body: body(CreateInstanceBody, true) },
    responses: { 202: json(CreateInstanceResponse, 'Accepted: the instance and its provision operation'), ...errors(...WRITE_ERRORS, 'CONFLICT') },
  },
  {
    method: 'get',
    path: '/api/instances',
    operationId: 'findInstances',
    summary: 'Find the instance of a WHMCS service',
    security: SIGNED,
    request: { query: ListInstancesQuery },
    responses: { 200: json(InstanceList, 'Zero or one instance'), ...errors(...SIGNED_ERRORS, 'VALIDATION_ERROR', 'UNAVAILABLE') },
  },
  {
    method: 'get',
    path: '/api/instances/{id}',
    operationId: 'getInstance',
    summary: 'Read an instance',
    security: SIGNED,
    request: { params: InstanceIdParams },
    responses: { 200: json(InstanceView, 'The instance'), ...errors(...SIGNED_ERRORS, 'NOT_FOUND', 'UNAVAILABLE') },
  },
  ...(['suspend', 'unsuspend', 'reboot'] as const).map(
    (op): RouteConfig => ({
      method: 'post',
      path: `/api/instances/{id}/${op}`,
      operationId: `${op}Instance`,
      summary: `Request ${op}`,
      security: SIGNED,
      request: { params: InstanceIdParams, headers: IdempotencyKeyHeader, body: body(ReasonBody, false) },
      responses: { 202: json(OperationResponse, 'Accepted: the queued operation'), ...errors(...WRITE_ERRORS, 'NOT_FOUND', 'INVALID_TRANSITION', 'CONFLICT') },
    }),
  ),
  {
    method: 'post',
    path: '/api/instances/{id}/resize',
    operationId: 'resizeInstance',
    summary: 'Request a resize to another plan',
    security: SIGNED,
    request: { params: InstanceIdParams, headers: IdempotencyKeyHeader, body: body(ResizeBody, true) },
    responses: { 202: json(OperationResponse, 'Accepted: the queued operation'), ...errors(...WRITE_ERRORS, 'NOT_FOUND', 'INVALID_TRANSITION', 'CONFLICT') },
  },
  {
    method: 'delete',
    path: '/api/instances/{id}',
    operationId: 'terminateInstance',
    summary: 'Request termination (optionally snapshot first)',
    security: SIGNED,
    request: { params: InstanceIdParams, headers: IdempotencyKeyHeader, body: body(TerminateBody, false) },
    responses: { 202: json(OperationResponse, 'Accepted: the queued operation'), ...errors(...WRITE_ERRORS, 'NOT_FOUND', 'INVALID_TRANSITION', 'CONFLICT') },
  },
  {
    method: 'get',
    path: '/api/instances/{id}/operations',
    operationId: 'listOperations',
    summary: "An instance's operations, by seq, a page at a time",
    description: 'Oldest first. `limit` bounds the page; `next_after_seq`, passed back as `after_seq`, reads the next one.',
    security: SIGNED,
    request: { params: InstanceIdParams, query: OperationsPageQuery },
    responses: { 200: json(OperationList, 'The operations'), ...errors(...SIGNED_ERRORS, 'NOT_FOUND', 'UNAVAILABLE') },
  },
  {
    method: 'get',
    path: '/api/instances/{id}/operations/{op_id}',
    operationId: 'getOperation',
    summary: 'Read one operation',
    security: SIGNED,
    request: { params: OperationIdParams },
    responses: { 200: json(OperationView, 'The operation'), ...errors(...SIGNED_ERRORS, 'NOT_FOUND', 'UNAVAILABLE') },
  },
  ...vpsRoutes({ json, errors, body, signed: SIGNED, signedErrors: SIGNED_ERRORS, writeErrors: WRITE_ERRORS }),
  {
    method: 'post',
    path: '/api/instances/{id}/ready',
    operationId: 'instanceReady',
    summary: "The VPS's cloud-init callback",
    description:
      'The token (X-Callback-Token) is single-use: the first valid call signals the provision; a repeat with the same token is answered 200 as well (so a retry whose answer was lost never fails) but signals nothing. Only failed calls count against the per-IP limit.',
    security: [{ CallbackToken: [] }],
    request: { params: InstanceIdParams, body: body(ReadyBody, false) },
    responses: {
      200: json(ReadyResponse, 'Acknowledged'),
      ...errors('UNAUTHORIZED', 'RATE_LIMITED', 'VALIDATION_ERROR', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'UNAVAILABLE'),
    },
  },
  {
    method: 'post',
    path: '/api/webhooks/whmcs',
    operationId: 'whmcsWebhook',
    summary: 'WHMCS events: InvoicePaid → unsuspend, ServiceCancelled → terminate, ServiceUpgrade → resize',
    security: SIGNED,
    request: { headers: IdempotencyKeyHeader, body: body(WebhookBody, true) },
    responses: {
      202: json(WebhookResponse, 'Accepted: the operation, or `ignored` for other events'),
      ...errors(...WRITE_ERRORS, 'NOT_FOUND', 'INVALID_TRANSITION', 'CONFLICT'),
    },
  },
  ...billingRoutes({ json, errors }),
  {
    method: 'get',
    path: '/api/catalog',
    operationId: 'getCatalog',
    summary: 'The plans and regions instances may use (the WHMCS module fills its product settings from it)',
    security: SIGNED,
    responses: { 200: json(CatalogResponse, 'The catalog'), ...errors(...SIGNED_ERRORS) },
  },
  {
    method: 'get',
    path: '/api/health',
    operationId: 'health',
    summary: 'Temporal and Postgres reachability',
    responses: { 200: json(HealthResponse, 'Both answer'), 503: json(HealthResponse, 'Temporal or Postgres is down') },
  },
  {
    method: 'get',
    path: '/api/health/live',
    operationId: 'liveness',
    summary: 'Liveness: the process serves HTTP (checks neither Temporal nor Postgres)',
    responses: { 200: json(HealthResponse.pick({ status: true }).meta({ id: 'Liveness' }), 'Alive') },
  },
];

export function buildOpenApiDocument(options: { serverUrl?: string } = {}): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'ApiKey', { type: 'apiKey', in: 'header', name: 'X-API-Key' });
  registry.registerComponent('securitySchemes', 'Timestamp', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Timestamp',
    description: 'Unix seconds in canonical decimal (no sign, leading zero or exponent), within 300 s of the server clock',
  });
  registry.registerComponent('securitySchemes', 'Nonce', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Nonce',
    description: '16–64 of A-Z a-z 0-9 _ -, random per request; a second use by the same key is refused',
  });
  registry.registerComponent('securitySchemes', 'Signature', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Signature',
    description: 'Signature v2: "v2=" + lowercase hex HMAC-SHA256(secret, signed string); see the document description',
  });
  registry.registerComponent('securitySchemes', 'CallbackToken', { type: 'apiKey', in: 'header', name: 'X-Callback-Token' });
  for (const route of ROUTES) registry.registerPath(route);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Hostflow API',
      version: '1.0.0',
      description:
        'Thin HTTP API over the Temporal workflows that provision, suspend, unsuspend, resize, reboot and terminate VPS instances. ' +
        'Every error is `{"error": {"code", "message", "details"}}`; every answer carries `X-Request-Id`.\n\n' +
        SIGNING_DESCRIPTION,
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
  });
}
