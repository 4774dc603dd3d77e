// The OpenAPI entries of the VPS routes (api/routes/vps-operations.ts) and of the VPS's `failed`
// callback, built with api/openapi.ts's helpers so they read like every other route.
import type { ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import type { ErrorCode } from './errors';
import { IdempotencyKeyHeader, InstanceIdParams, OperationResponse, ReadyResponse, ReasonBody } from './schemas';
import { FailedBody, RebuildBody, SnapshotBody, SnapshotIdParams, SnapshotList } from './vps-schemas';

export interface OpenApiHelpers {
  json(schema: z.ZodType, description: string): ResponseConfig;
  errors(...codes: ErrorCode[]): Record<number, ResponseConfig>;
  body(schema: z.ZodType, required: boolean): NonNullable<RouteConfig['request']>['body'];
  signed: RouteConfig['security'];
  signedErrors: readonly ErrorCode[];
  writeErrors: readonly ErrorCode[];
}

export function vpsRoutes(h: OpenApiHelpers): RouteConfig[] {
  const accepted = (extra: ErrorCode[] = []) => ({
    202: h.json(OperationResponse, 'Accepted: the queued operation'),
    ...h.errors(...h.writeErrors, 'NOT_FOUND', 'INVALID_TRANSITION', 'CONFLICT', ...extra),
  });
  return [
    {
      method: 'post',
      path: '/api/instances/{id}/rebuild',
      operationId: 'rebuildInstance',
      summary: 'Reinstall the server from a catalog image, or restore one of its snapshots (same IP, same address)',
      description:
        'Exactly one of `image` (a catalog image; anything else is 400) and `snapshot_id` (one of this instance\'s snapshots; anything else is 404). ' +
        'Everything on the disk is replaced; cloud-init runs again and the instance is `running` once the VPS calls back `ready`. ' +
        'A suspended instance is rebuilt and stays off. Without SSH keys, the new root password is e-mailed to the customer.',
      security: h.signed,
      request: { params: InstanceIdParams, headers: IdempotencyKeyHeader, body: h.body(RebuildBody, true) },
      responses: accepted(),
    },
    {
      method: 'post',
      path: '/api/instances/{id}/reset-password',
      operationId: 'resetRootPassword',
      summary: 'Set a new root password; it is e-mailed to the customer and never shown by the API',
      security: h.signed,
      request: { params: InstanceIdParams, headers: IdempotencyKeyHeader, body: h.body(ReasonBody, false) },
      responses: accepted(),
    },
    {
      method: 'get',
      path: '/api/instances/{id}/snapshots',
      operationId: 'listSnapshots',
      summary: "The instance's snapshots (restore one with rebuild)",
      security: h.signed,
      request: { params: InstanceIdParams },
      responses: { 200: h.json(SnapshotList, 'The snapshots'), ...h.errors(...h.signedErrors, 'NOT_FOUND', 'UNAVAILABLE') },
    },
    {
      method: 'post',
      path: '/api/instances/{id}/snapshots',
      operationId: 'takeSnapshot',
      summary: 'Take a snapshot; beyond the retention count (SNAPSHOT_RETENTION, default 3) the oldest is deleted',
      security: h.signed,
      request: { params: InstanceIdParams, headers: IdempotencyKeyHeader, body: h.body(SnapshotBody, false) },
      responses: accepted(),
    },
    {
      method: 'delete',
      path: '/api/instances/{id}/snapshots/{snapshot_id}',
      operationId: 'deleteSnapshot',
      summary: "Delete one of the instance's snapshots (another instance's, or an unknown one, is 404)",
      security: h.signed,
      request: { params: SnapshotIdParams, headers: IdempotencyKeyHeader },
      responses: accepted(),
    },
    {
      method: 'post',
      path: '/api/instances/{id}/failed',
      operationId: 'instanceFailed',
      summary: "The VPS's cloud-init callback when its install failed: the provision or rebuild fails at once",
      description: 'Same token and single use as `ready` (a token used by either is used up). `reason`: 1–200 printable ASCII characters.',
      security: [{ CallbackToken: [] }],
      request: { params: InstanceIdParams, body: h.body(FailedBody, true) },
      responses: {
        200: h.json(ReadyResponse, 'Acknowledged'),
        ...h.errors('UNAUTHORIZED', 'RATE_LIMITED', 'VALIDATION_ERROR', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'UNAVAILABLE'),
      },
    },
  ];
}
