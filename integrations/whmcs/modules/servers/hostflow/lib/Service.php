<?php
/**
 * What the module functions share: the API client for a service, its Hostflow instance id,
 * the Idempotency-Key of each action, the catalog, and the product settings.
 */

declare(strict_types=1);

namespace WHMCS\Module\Server\Hostflow;

final class Service
{
    /** The custom field (service property) that holds the instance id. */
    public const INSTANCE_FIELD = 'Hostflow Instance ID';

    /** Used while the server is not configured yet (the API's catalog replaces them once it is). */
    public const FALLBACK_PLANS = ['starter' => 'starter', 'professional' => 'professional', 'enterprise' => 'enterprise'];
    public const FALLBACK_REGIONS = [
        'us-east' => 'us-east',
        'us-west' => 'us-west',
        'eu-frankfurt' => 'eu-frankfurt',
        'eu-helsinki' => 'eu-helsinki',
        'sg-singapore' => 'sg-singapore',
        'jp-tokyo' => 'jp-tokyo',
    ];

    /**
     * Rebuild images offered before Hostflow's catalog lists them (the API's catalog names only the
     * install image today; the Image loader adds it, and takes the catalog's `images` once it has them).
     */
    public const FALLBACK_IMAGES = ['ubuntu-24.04' => 'ubuntu-24.04', 'ubuntu-22.04' => 'ubuntu-22.04', 'debian-12' => 'debian-12'];

    /** The label of the snapshots the admin's Snapshot button takes. */
    public const ADMIN_SNAPSHOT_DESCRIPTION = 'WHMCS admin snapshot';

    /** API route of each operation type below /api/instances/:id (terminate is DELETE /api/instances/:id). */
    private const ROUTES = ['snapshot' => 'snapshots', 'reset_password' => 'reset-password'];

    /** A Hostflow operation that ended without doing its work. */
    private const UNSUCCESSFUL = ['failed', 'rejected', 'cancelled'];

    /** Runs a module action; anything thrown becomes one readable line, never a trace. */
    public static function run(callable $action): string
    {
        try {
            return $action();
        } catch (ApiException $e) {
            return $e->getMessage();
        } catch (\Throwable $e) {
            return 'Hostflow module error: ' . $e->getMessage();
        }
    }

    /**
     * The service's instance and its operations, for the client area and the admin tab.
     *
     * @return array{0: array<string, mixed>|null, 1: list<array<string, mixed>>, 2: string|null, 3: list<array<string, mixed>>}
     *         instance, operations, error, snapshots (oldest first)
     */
    public static function readInstance(array $params, string $action): array
    {
        try {
            $client = self::client($params);
            $id = self::findInstanceId($params, $client, $action);
            if ($id === null) {
                return [null, [], null, []];
            }
            $path = '/api/instances/' . rawurlencode($id);
            $instance = $client->get($action, $path);
            $snapshots = ($instance['status'] ?? '') === 'terminated' ? [] : self::snapshots($client, $action, $id);
            return [$instance, self::operations($client, $action, $id), null, $snapshots];
        } catch (\Throwable $e) {
            return [null, [], $e->getMessage(), []];
        }
    }

    public static function client(array $params): Client
    {
        return new Client(
            Client::baseUrlFromParams($params),
            trim((string) ($params['serverusername'] ?? '')),
            Client::secretFromParams($params),
            static function (string $action, string $request, string $response, mixed $processed, array $secrets): void {
                if (function_exists('logModuleCall')) {
                    logModuleCall('hostflow', $action, $request, $response, $processed, array_values(array_filter($secrets, 'strlen')));
                }
            },
        );
    }

    public static function configured(array $params): bool
    {
        return Client::baseUrlFromParams($params) !== ''
            && trim((string) ($params['serverusername'] ?? '')) !== ''
            && Client::secretFromParams($params) !== '';
    }

    public static function serviceId(array $params): int
    {
        $id = (int) ($params['serviceid'] ?? 0);
        if ($id <= 0) {
            throw new ApiException('WHMCS passed no service id to the Hostflow module');
        }
        return $id;
    }

    /** A customer's configurable option wins over the product's module setting. */
    public static function plan(array $params): string
    {
        return self::setting($params, 'Plan', 'configoption1');
    }

    public static function region(array $params): string
    {
        return self::setting($params, 'Region', 'configoption2');
    }

    /** The product's rebuild image (module setting "Rebuild image"); '' when the product predates it. */
    public static function image(array $params): string
    {
        return strtolower(trim((string) ($params['configoption6'] ?? '')));
    }

    public static function snapshotOnTerminate(array $params): bool
    {
        return in_array(strtolower(trim((string) ($params['configoption3'] ?? ''))), ['on', '1', 'yes', 'true'], true);
    }

    private static function setting(array $params, string $configurableOption, string $moduleSetting): string
    {
        $chosen = $params['configoptions'][$configurableOption] ?? '';
        $value = is_string($chosen) && trim($chosen) !== '' ? $chosen : (string) ($params[$moduleSetting] ?? '');
        return strtolower(trim($value));
    }

    /** The instance id stored on the service, if any. */
    public static function storedInstanceId(array $params): string
    {
        $fields = is_array($params['customfields'] ?? null) ? $params['customfields'] : [];
        return trim((string) ($fields[self::INSTANCE_FIELD] ?? ''));
    }

    /** Stores the instance id in the service's custom field (WHMCS Service Properties). */
    public static function storeInstanceId(array $params, string $instanceId): void
    {
        if (self::storedInstanceId($params) === $instanceId) {
            return;
        }
        $model = $params['model'] ?? null;
        if (is_object($model) && isset($model->serviceProperties)) {
            $model->serviceProperties->save([self::INSTANCE_FIELD => $instanceId]);
        }
    }

    /**
     * The service's instance: the stored id, else the API's lookup by WHMCS service id (and the
     * id is stored again). null when Hostflow has no instance for the service.
     */
    public static function findInstanceId(array $params, Client $client, string $action): ?string
    {
        $stored = self::storedInstanceId($params);
        if ($stored !== '') {
            return $stored;
        }
        $found = $client->get($action, '/api/instances', ['whmcs_service_id' => self::serviceId($params)]);
        $instance = $found['instances'][0] ?? null;
        if (!is_array($instance) || !is_string($instance['id'] ?? null)) {
            return null;
        }
        self::storeInstanceId($params, $instance['id']);
        return $instance['id'];
    }

    public static function requireInstanceId(array $params, Client $client, string $action): string
    {
        $id = self::findInstanceId($params, $client, $action);
        if ($id === null) {
            throw new ApiException(sprintf('Hostflow has no instance for service #%d yet: run Create first', self::serviceId($params)));
        }
        return $id;
    }

    /**
     * Every operation of an instance, oldest first, reading the API's pages (`after_seq`).
     *
     * @return list<array<string, mixed>>
     */
    public static function operations(Client $client, string $action, string $instanceId): array
    {
        $all = [];
        $after = 0;
        for ($page = 0; $page < 100; $page++) {
            $answer = $client->get($action, '/api/instances/' . rawurlencode($instanceId) . '/operations', ['limit' => 200, 'after_seq' => $after]);
            foreach (is_array($answer['operations'] ?? null) ? $answer['operations'] : [] as $op) {
                if (is_array($op)) {
                    $all[] = $op;
                }
            }
            $next = $answer['next_after_seq'] ?? null;
            if (!is_int($next) || $next <= $after) {
                break;
            }
            $after = $next;
        }
        return $all;
    }

    public static function createKey(int $serviceId, string $rawBody): string
    {
        return sprintf('whmcs-%d-create-%s', $serviceId, substr(hash('sha256', $rawBody), 0, 16));
    }

    /**
     * The instance's snapshots, oldest first (GET …/snapshots).
     *
     * @return list<array<string, mixed>>
     */
    public static function snapshots(Client $client, string $action, string $instanceId): array
    {
        $answer = $client->get($action, '/api/instances/' . rawurlencode($instanceId) . '/snapshots');
        return array_values(array_filter(is_array($answer['snapshots'] ?? null) ? $answer['snapshots'] : [], static fn ($s): bool => is_array($s) && is_int($s['id'] ?? null)));
    }

    /**
     * The newest snapshot (latest created_at, then highest id), or null when there is none.
     * created_at is ISO 8601 in UTC with milliseconds (toISOString), so it sorts as text.
     */
    public static function latestSnapshot(array $snapshots): ?array
    {
        $latest = null;
        foreach ($snapshots as $snapshot) {
            $order = strcmp((string) ($snapshot['created_at'] ?? ''), (string) ($latest['created_at'] ?? ''));
            if ($latest === null || $order > 0 || ($order === 0 && $snapshot['id'] > $latest['id'])) {
                $latest = $snapshot;
            }
        }
        return $latest;
    }

    /**
     * The Idempotency-Key of an operation: service id + action (+ its target: the plan of a resize,
     * the image or snapshot of a rebuild) + the seq of the instance's latest operation that is not
     * this same request. A retry of a request Hostflow already holds (queued, running, or
     * succeeded; a reboot only while queued or running) gets the same key, so Hostflow answers the
     * first operation and runs nothing twice; the same action asked again after anything else
     * happened (suspend, unsuspend, suspend) or after it failed gets a new key, and runs.
     *
     * @param array<string, scalar>      $target     the operation's args that make it "the same request"
     *                                               (as GET …/operations shows them, e.g. ['plan' => 'professional'])
     * @param string                     $suffix     what the key says about the target ('' for none)
     * @param list<array<string, mixed>> $operations the instance's operations (GET …/operations)
     */
    public static function operationKey(int $serviceId, string $type, array $target, string $suffix, array $operations): string
    {
        $after = 0;
        foreach ($operations as $op) {
            $status = (string) ($op['status'] ?? '');
            $sameTarget = true;
            foreach ($target as $name => $value) {
                $sameTarget = $sameTarget && (($op['args'][$name] ?? null) === $value);
            }
            $sameRequest = ($op['type'] ?? null) === $type
                && $sameTarget
                && !in_array($status, self::UNSUCCESSFUL, true)
                && ($type !== 'reboot' || in_array($status, ['queued', 'running'], true));
            if (!$sameRequest) {
                $after = max($after, (int) ($op['seq'] ?? 0));
            }
        }
        // A key is printable ASCII: the suffix (a plan, an image name, a snapshot id) keeps to a safe set.
        $suffix = (string) preg_replace('/[^A-Za-z0-9._-]/', '_', $suffix);
        return sprintf('whmcs-%d-%s%s-after-%d', $serviceId, $type, $suffix === '' ? '' : '-' . $suffix, $after);
    }

    /**
     * Requests an operation on the service's instance; throws when Hostflow refuses it.
     *
     * @param array<string, scalar> $target see operationKey
     */
    public static function requestOperation(array $params, string $action, string $type, ?array $body, array $target = [], string $suffix = ''): array
    {
        $client = self::client($params);
        $id = self::requireInstanceId($params, $client, $action);
        return self::submitOperation($params, $client, $id, self::operations($client, $action, $id), $action, $type, $body, $target, $suffix);
    }

    /**
     * requestOperation when the instance id and its operations are already read.
     *
     * @param list<array<string, mixed>> $operations
     * @param array<string, scalar>      $target
     */
    public static function submitOperation(array $params, Client $client, string $instanceId, array $operations, string $action, string $type, ?array $body, array $target = [], string $suffix = ''): array
    {
        $path = '/api/instances/' . rawurlencode($instanceId);
        $key = self::operationKey(self::serviceId($params), $type, $target, $suffix, $operations);
        $answer = $type === 'terminate'
            ? $client->delete($action, $path, $body, $key)
            : $client->post($action, $path . '/' . (self::ROUTES[$type] ?? $type), $body, $key);
        $operation = is_array($answer['operation'] ?? null) ? $answer['operation'] : [];
        self::assertNotUnsuccessful($operation);
        return $operation;
    }

    /** What an operation was about, in a few words (plan, image, snapshot), for the service pages. */
    public static function operationDetail(array $op): string
    {
        $args = is_array($op['args'] ?? null) ? $op['args'] : [];
        return match ((string) ($op['type'] ?? '')) {
            'resize' => isset($args['plan']) ? '→ ' . $args['plan'] : '',
            'rebuild' => isset($args['image']) ? 'from image ' . $args['image'] : (isset($args['snapshot_id']) ? 'from snapshot ' . $args['snapshot_id'] : ''),
            'snapshot' => (string) ($args['description'] ?? ''),
            'delete_snapshot' => isset($args['snapshot_id']) ? 'snapshot ' . $args['snapshot_id'] : '',
            'reset_password' => 'new password e-mailed to the customer',
            'terminate' => ($args['snapshot'] ?? false) === true ? 'with a snapshot first' : '',
            default => '',
        };
    }

    public static function assertNotUnsuccessful(array $operation): void
    {
        $status = (string) ($operation['status'] ?? '');
        if (in_array($status, self::UNSUCCESSFUL, true)) {
            $error = is_string($operation['error'] ?? null) && $operation['error'] !== '' ? ': ' . $operation['error'] : '';
            throw new ApiException(sprintf('Hostflow %s operation #%s was %s%s', (string) ($operation['type'] ?? ''), (string) ($operation['seq'] ?? '?'), $status, $error));
        }
    }

    /** Plans or regions as WHMCS dropdown options (value => label), from the API's catalog. */
    public static function catalogOptions(array $params, string $which): array
    {
        $fallback = $which === 'plans' ? self::FALLBACK_PLANS : self::FALLBACK_REGIONS;
        if (!self::configured($params)) {
            return $fallback;
        }
        $catalog = self::client($params)->get('Catalog', '/api/catalog');
        $options = [];
        foreach (is_array($catalog[$which] ?? null) ? $catalog[$which] : [] as $entry) {
            if (is_array($entry) && is_string($entry['name'] ?? null)) {
                $detail = $entry['server_type'] ?? $entry['location'] ?? null;
                $options[$entry['name']] = $entry['name'] . (is_string($detail) ? " ($detail)" : '');
            }
        }
        if ($options === []) {
            throw new ApiException('Hostflow answered an empty catalog');
        }
        return $options;
    }

    /**
     * Rebuild images as WHMCS dropdown options: the catalog's `images` when Hostflow lists them,
     * else the built-in list plus the catalog's install image.
     */
    public static function imageOptions(array $params): array
    {
        if (!self::configured($params)) {
            return self::FALLBACK_IMAGES;
        }
        $catalog = self::client($params)->get('Catalog', '/api/catalog');
        $listed = array_values(array_filter(is_array($catalog['images'] ?? null) ? $catalog['images'] : [], 'is_string'));
        if ($listed === []) {
            $listed = array_keys(self::FALLBACK_IMAGES);
            if (is_string($catalog['image'] ?? null) && $catalog['image'] !== '' && !in_array($catalog['image'], $listed, true)) {
                array_unshift($listed, $catalog['image']);
            }
        }
        return array_combine($listed, $listed);
    }

    /** The image Rebuild installs: the product's "Rebuild image", else the catalog's install image. */
    public static function rebuildImage(array $params, Client $client, string $action): string
    {
        $image = self::image($params);
        if ($image !== '') {
            return $image;
        }
        $catalog = $client->get($action, '/api/catalog');
        $image = is_string($catalog['image'] ?? null) ? strtolower(trim($catalog['image'])) : '';
        if ($image === '') {
            throw new ApiException('Choose a "Rebuild image" in the product\'s Module Settings (Setup > Products/Services)');
        }
        return $image;
    }

    /** A Hostflow hostname (3–30 of a-z 0-9 -) from the service's domain, or null to let Hostflow pick vps-<service id>. */
    public static function hostname(array $params): ?string
    {
        $label = strtolower(explode('.', trim((string) ($params['domain'] ?? '')))[0]);
        return preg_match('/^[a-z0-9][a-z0-9-]{1,28}[a-z0-9]$/', $label) === 1 ? $label : null;
    }

    /** The deep link to the instance's entity workflow in the Temporal Web UI, or null when not configured. */
    public static function webUiLinks(array $params, string $instanceId): ?array
    {
        $base = rtrim(trim((string) ($params['configoption4'] ?? '')), '/');
        if ($base === '' || preg_match('#^https?://#i', $base) !== 1) {
            return null;
        }
        $namespace = trim((string) ($params['configoption5'] ?? '')) ?: 'default';
        $prefix = $base . '/namespaces/' . rawurlencode($namespace) . '/workflows';
        return [
            'workflow' => $prefix . '/' . rawurlencode('instance-' . $instanceId),
            'all' => $prefix . '?query=' . rawurlencode('InstanceId = "' . $instanceId . '"'),
        ];
    }
}
