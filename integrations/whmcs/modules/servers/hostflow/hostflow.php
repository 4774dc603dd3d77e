<?php
/**
 * Hostflow — WHMCS server (provisioning) module.
 *
 * Drives Hostflow's signed HTTP API: every WHMCS service of a product using this module is one
 * Hostflow instance (a VPS), found by the WHMCS service id. Create / Suspend / Unsuspend /
 * Terminate / Change Package and the admin buttons (Reboot, Snapshot, Restore latest snapshot,
 * Rebuild, Reset root password) map to the API's routes; each request is signed (signature v2),
 * carries an Idempotency-Key derived from the service and the action, and is written to the
 * WHMCS module log with its X-Request-Id. Install and configure: see README.md in the module's
 * source (integrations/whmcs/README.md).
 */

declare(strict_types=1);

use WHMCS\Module\Server\Hostflow\ApiException;
use WHMCS\Module\Server\Hostflow\Service;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

require_once __DIR__ . '/lib/Client.php';
require_once __DIR__ . '/lib/Service.php';

function hostflow_MetaData(): array
{
    return [
        'DisplayName' => 'Hostflow',
        'APIVersion' => '1.1',
        'RequiresServer' => true,
        'DefaultNonSSLPort' => '2222',
        'DefaultSSLPort' => '443',
        'ServiceSingleSignOnLabel' => false,
        'AdminSingleSignOnLabel' => false,
    ];
}

/**
 * Product settings (Module Settings tab): configoption1 … configoption6 (in this order: new
 * settings only ever go at the end, since WHMCS stores them by position).
 * Plan and Region are filled from Hostflow's catalog (GET /api/catalog) by their loaders once the
 * product's server group has a configured Hostflow server; until then, the built-in list shows.
 */
function hostflow_ConfigOptions(): array
{
    return [
        'Plan' => [
            'Type' => 'dropdown',
            'Options' => Service::FALLBACK_PLANS,
            'Default' => 'starter',
            'Loader' => 'hostflow_LoadPlans',
            'SimpleMode' => true,
            'Description' => 'Hostflow plan (server size). A configurable option named "Plan" overrides it per service.',
        ],
        'Region' => [
            'Type' => 'dropdown',
            'Options' => Service::FALLBACK_REGIONS,
            'Default' => 'eu-frankfurt',
            'Loader' => 'hostflow_LoadRegions',
            'SimpleMode' => true,
            'Description' => 'Where the server runs. A configurable option named "Region" overrides it per service.',
        ],
        'Snapshot before terminate' => [
            'Type' => 'yesno',
            'SimpleMode' => true,
            'Description' => 'Take a snapshot of the server before Terminate deletes it',
        ],
        'Temporal Web UI URL' => [
            'Type' => 'text',
            'Size' => '40',
            'SimpleMode' => true,
            'Description' => 'e.g. https://temporal.example.com — for the admin area link to the instance\'s workflow; empty hides it',
        ],
        'Temporal namespace' => [
            'Type' => 'text',
            'Size' => '20',
            'Default' => 'default',
            'SimpleMode' => true,
            'Description' => 'The Temporal namespace Hostflow runs in',
        ],
        'Rebuild image' => [
            'Type' => 'dropdown',
            'Options' => Service::FALLBACK_IMAGES,
            'Default' => 'ubuntu-24.04',
            'Loader' => 'hostflow_LoadImages',
            'SimpleMode' => true,
            'Description' => 'The system image the admin\'s Rebuild button installs (everything on the server\'s disk is replaced)',
        ],
    ];
}

/** Loader of the Plan dropdown: throws (WHMCS shows the message) when the configured server refuses. */
function hostflow_LoadPlans(array $params): array
{
    try {
        return Service::catalogOptions($params, 'plans');
    } catch (ApiException $e) {
        throw new \Exception($e->getMessage());
    }
}

function hostflow_LoadRegions(array $params): array
{
    try {
        return Service::catalogOptions($params, 'regions');
    } catch (ApiException $e) {
        throw new \Exception($e->getMessage());
    }
}

function hostflow_LoadImages(array $params): array
{
    try {
        return Service::imageOptions($params);
    } catch (ApiException $e) {
        throw new \Exception($e->getMessage());
    }
}

/**
 * POST /api/instances. Success means Hostflow accepted the instance: it is provisioning and the
 * service page shows its progress. A repeated Create finds the same instance (Hostflow keeps one
 * instance per WHMCS service id).
 */
function hostflow_CreateAccount(array $params): string
{
    return Service::run(static function () use ($params): string {
        $serviceId = Service::serviceId($params);
        $plan = Service::plan($params);
        $region = Service::region($params);
        $email = trim((string) ($params['clientsdetails']['email'] ?? ''));
        if ($plan === '' || $region === '') {
            return 'Choose a Plan and a Region in the product\'s Module Settings (Setup > Products/Services)';
        }
        if ($email === '') {
            return 'The client has no e-mail address; Hostflow sends the server\'s details to it';
        }
        $body = [
            'whmcs_service_id' => $serviceId,
            'whmcs_client_id' => (int) ($params['userid'] ?? $params['clientsdetails']['userid'] ?? 0),
            'email' => $email,
            'plan' => $plan,
            'region' => $region,
        ];
        $hostname = Service::hostname($params);
        if ($hostname !== null) {
            $body['hostname'] = $hostname;
        }
        $raw = json_encode($body, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_THROW_ON_ERROR);
        $answer = Service::client($params)->post('CreateAccount', '/api/instances', $body, Service::createKey($serviceId, $raw));
        $id = (string) ($answer['id'] ?? '');
        if ($id === '') {
            return 'Hostflow accepted the request but answered no instance id';
        }
        Service::storeInstanceId($params, $id);
        $status = (string) ($answer['status'] ?? '');
        if ($status === 'terminated') {
            return "This service's Hostflow instance $id was terminated; Hostflow keeps one instance per WHMCS service, so it cannot be created again (order a new service)";
        }
        if ($status === 'failed') {
            return "This service's Hostflow instance $id failed to provision; Terminate it, then order a new service";
        }
        Service::assertNotUnsuccessful(is_array($answer['operation'] ?? null) ? $answer['operation'] : []);
        return 'success';
    });
}

function hostflow_SuspendAccount(array $params): string
{
    return Service::run(static function () use ($params): string {
        $reason = trim((string) ($params['suspendreason'] ?? ''));
        // At most 400 characters (the API takes 500), cut on a character boundary (no mbstring needed).
        $reason = (string) preg_replace('/^(.{0,400}).*$/su', '$1', 'WHMCS' . ($reason !== '' ? ": $reason" : ''));
        Service::requestOperation($params, 'SuspendAccount', 'suspend', ['reason' => $reason]);
        return 'success';
    });
}

function hostflow_UnsuspendAccount(array $params): string
{
    return Service::run(static function () use ($params): string {
        Service::requestOperation($params, 'UnsuspendAccount', 'unsuspend', ['reason' => 'WHMCS']);
        return 'success';
    });
}

function hostflow_TerminateAccount(array $params): string
{
    return Service::run(static function () use ($params): string {
        $client = Service::client($params);
        if (Service::findInstanceId($params, $client, 'TerminateAccount') === null) {
            return 'success'; // Hostflow never created anything for this service: nothing to remove.
        }
        try {
            Service::requestOperation($params, 'TerminateAccount', 'terminate', ['snapshot' => Service::snapshotOnTerminate($params)]);
        } catch (ApiException $e) {
            // Terminating what is already terminated is done, not an error.
            $id = Service::storedInstanceId($params) ?: (string) Service::findInstanceId($params, $client, 'TerminateAccount');
            if ($e->apiCode !== 'INVALID_TRANSITION' || ($client->get('TerminateAccount', '/api/instances/' . rawurlencode($id))['status'] ?? '') !== 'terminated') {
                throw $e;
            }
        }
        return 'success';
    });
}

/** Resize to the plan the service now has (product upgrade/downgrade or its "Plan" configurable option). */
function hostflow_ChangePackage(array $params): string
{
    return Service::run(static function () use ($params): string {
        $plan = Service::plan($params);
        if ($plan === '') {
            return 'Choose a Plan in the product\'s Module Settings (Setup > Products/Services)';
        }
        Service::requestOperation($params, 'ChangePackage', 'resize', ['plan' => $plan], ['plan' => $plan], $plan);
        return 'success';
    });
}

/** "Test Connection" on the server: a signed GET /api/catalog proves the URL, key and secret. */
function hostflow_TestConnection(array $params): array
{
    try {
        Service::client($params)->get('TestConnection', '/api/catalog');
        return ['success' => true, 'error' => ''];
    } catch (\Throwable $e) {
        return ['success' => false, 'error' => $e->getMessage()];
    }
}

/**
 * Admin buttons on the service. Each returns "success" once Hostflow accepted the operation (it
 * then runs in the background, in order with the instance's other operations), or one readable
 * line. WHMCS shows its own text on success, so what the admin must know beforehand (the
 * password goes to the client by e-mail) is in the button's label.
 */
function hostflow_AdminCustomButtonArray(): array
{
    return [
        'Reboot' => 'reboot',
        'Snapshot' => 'snapshot',
        'Restore latest snapshot' => 'restoreLatestSnapshot',
        'Rebuild' => 'rebuild',
        'Reset root password (e-mailed to the client)' => 'resetPassword',
    ];
}

function hostflow_reboot(array $params): string
{
    return Service::run(static function () use ($params): string {
        Service::requestOperation($params, 'Reboot', 'reboot', ['reason' => 'WHMCS admin']);
        return 'success';
    });
}

/** POST …/snapshots: a snapshot labelled "WHMCS admin snapshot" (Hostflow keeps the newest SNAPSHOT_RETENTION). */
function hostflow_snapshot(array $params): string
{
    return Service::run(static function () use ($params): string {
        $label = ['description' => Service::ADMIN_SNAPSHOT_DESCRIPTION];
        Service::requestOperation($params, 'Snapshot', 'snapshot', $label, $label);
        return 'success';
    });
}

/**
 * POST …/rebuild {snapshot_id}: the newest snapshot of GET …/snapshots. Refused while a snapshot
 * is still being taken or deleted (the newest would not be the one the admin means), and when
 * there is none.
 */
function hostflow_restoreLatestSnapshot(array $params): string
{
    return Service::run(static function () use ($params): string {
        $action = 'RestoreLatestSnapshot';
        $client = Service::client($params);
        $id = Service::requireInstanceId($params, $client, $action);
        $operations = Service::operations($client, $action, $id);
        foreach ($operations as $op) {
            $type = (string) ($op['type'] ?? '');
            if (in_array($type, ['snapshot', 'delete_snapshot'], true) && in_array($op['status'] ?? '', ['queued', 'running'], true)) {
                return sprintf(
                    'A snapshot of this server is still being %s (Hostflow operation #%s, %s): restore once it has finished, so the newest snapshot is the one restored',
                    $type === 'snapshot' ? 'taken' : 'deleted',
                    (string) ($op['seq'] ?? '?'),
                    (string) $op['status'],
                );
            }
        }
        $latest = Service::latestSnapshot(Service::snapshots($client, $action, $id));
        if ($latest === null) {
            return sprintf('Hostflow has no snapshot of this server (instance %s) to restore: take one with the Snapshot button first', $id);
        }
        $target = ['snapshot_id' => $latest['id']];
        Service::submitOperation($params, $client, $id, $operations, $action, 'rebuild', $target, $target, 'snapshot-' . $latest['id']);
        return 'success';
    });
}

/** POST …/rebuild {image}: reinstall from the product's "Rebuild image" (else Hostflow's install image). */
function hostflow_rebuild(array $params): string
{
    return Service::run(static function () use ($params): string {
        $image = Service::rebuildImage($params, Service::client($params), 'Rebuild');
        $target = ['image' => $image];
        Service::requestOperation($params, 'Rebuild', 'rebuild', $target, $target, 'image-' . $image);
        return 'success';
    });
}

/** POST …/reset-password: Hostflow e-mails the new root password to the client; the module never sees it. */
function hostflow_resetPassword(array $params): string
{
    return Service::run(static function () use ($params): string {
        $reason = ['reason' => 'WHMCS admin'];
        Service::requestOperation($params, 'ResetPassword', 'reset_password', $reason, $reason);
        return 'success';
    });
}

/** The client's own button (client area, the service's Actions): a root password reset, by e-mail. */
function hostflow_ClientAreaCustomButtonArray(): array
{
    return ['Reset root password (sent by e-mail)' => 'clientResetPassword'];
}

/**
 * The client's reset. WHMCS shows the client what this returns, so a failure is one friendly
 * sentence; the reason is in the module log (every request, and this line).
 */
function hostflow_clientResetPassword(array $params): string
{
    $result = Service::run(static function () use ($params): string {
        $reason = ['reason' => 'WHMCS client'];
        Service::requestOperation($params, 'ClientResetPassword', 'reset_password', $reason, $reason);
        return 'success';
    });
    if ($result === 'success') {
        return 'success';
    }
    if (function_exists('logModuleCall')) {
        logModuleCall('hostflow', 'ClientResetPassword', 'service #' . (string) ($params['serviceid'] ?? '?'), $result, $result);
    }
    return 'Your root password could not be reset right now. Please try again in a few minutes, or contact support.';
}

/** The client area's overview: status, address, plan, the last operations (templates/clientarea.tpl). */
function hostflow_ClientArea(array $params): array
{
    [$instance, $operations, $error, $snapshots] = Service::readInstance($params, 'ClientArea');
    $recent = array_map(
        static fn (array $op): array => [
            'type' => (string) ($op['type'] ?? ''),
            'status' => (string) ($op['status'] ?? ''),
            'plan' => (string) ($op['args']['plan'] ?? ''),
            'detail' => Service::operationDetail($op),
            'requested' => (string) ($op['created_at'] ?? ''),
            'finished' => (string) ($op['finished_at'] ?? ''),
        ],
        array_slice(array_reverse($operations), 0, 5),
    );
    return [
        'tabOverviewReplacementTemplate' => 'templates/clientarea.tpl',
        'templateVariables' => [
            // The customer sees that the details are unavailable; the reason is in the module log.
            'hostflowError' => $error !== null,
            'hostflowInstance' => $instance === null ? null : [
                'status' => (string) ($instance['status'] ?? ''),
                'ip_address' => (string) ($instance['ip_address'] ?? ''),
                'url' => (string) ($instance['url'] ?? ''),
                'plan' => (string) ($instance['plan'] ?? ''),
                'region' => (string) ($instance['region'] ?? ''),
                'created_at' => (string) ($instance['created_at'] ?? ''),
            ],
            'hostflowOperations' => $recent,
            'hostflowSnapshots' => array_map(
                static fn (array $snapshot): array => [
                    'id' => (string) $snapshot['id'],
                    'description' => (string) ($snapshot['description'] ?? ''),
                    'created' => (string) ($snapshot['created_at'] ?? ''),
                ],
                array_reverse($snapshots),
            ),
        ],
    ];
}

/** Extra rows on the admin's service page: instance, state, Temporal Web UI link, recent operations. */
function hostflow_AdminServicesTabFields(array $params): array
{
    $h = static fn (mixed $value): string => htmlspecialchars((string) $value, ENT_QUOTES, 'UTF-8');
    [$instance, $operations, $error, $snapshots] = Service::readInstance($params, 'AdminServicesTabFields');
    if ($error !== null) {
        return ['Hostflow' => '<span class="label label-danger">' . $h($error) . '</span>'];
    }
    if ($instance === null) {
        return ['Hostflow' => 'No Hostflow instance for this service yet (Create makes one).'];
    }
    $id = (string) $instance['id'];
    $fields = [
        'Hostflow instance' => '<code>' . $h($id) . '</code> &middot; <strong>' . $h($instance['status'] ?? '') . '</strong>'
            . (!empty($instance['last_error']) ? '<br><span class="text-danger">' . $h($instance['last_error']) . '</span>' : ''),
        'Hostflow server' => $h(trim(sprintf(
            '%s %s %s',
            $instance['ip_address'] ?? '',
            ($instance['server']['type'] ?? '') !== '' ? '· ' . ($instance['server']['type'] ?? '') : '',
            ($instance['server']['location'] ?? '') !== '' ? '· ' . ($instance['server']['location'] ?? '') : '',
        ))) . (!empty($instance['url']) ? ' · <a href="' . $h($instance['url']) . '" target="_blank" rel="noopener">' . $h($instance['url']) . '</a>' : ''),
    ];
    $links = Service::webUiLinks($params, $id);
    $fields['Temporal'] = $links === null
        ? 'Set "Temporal Web UI URL" in the product\'s Module Settings for a link to workflow <code>instance-' . $h($id) . '</code>'
        : '<a href="' . $h($links['workflow']) . '" target="_blank" rel="noopener">workflow instance-' . $h($id) . '</a>'
            . ' &middot; <a href="' . $h($links['all']) . '" target="_blank" rel="noopener">all its workflows</a>';
    $rows = '';
    foreach (array_slice(array_reverse($operations), 0, 5) as $op) {
        $detail = Service::operationDetail($op);
        $rows .= '<tr><td>' . $h($op['seq'] ?? '') . '</td><td>' . $h($op['type'] ?? '') . ($detail !== '' ? ' <small>(' . $h($detail) . ')</small>' : '')
            . '</td><td>' . $h($op['status'] ?? '') . '</td><td>' . $h($op['created_at'] ?? '') . '</td><td>' . $h($op['error'] ?? '') . '</td></tr>';
    }
    $fields['Hostflow operations'] = $rows === '' ? 'none' : '<table class="table table-condensed"><tr><th>#</th><th>operation</th><th>status</th><th>requested</th><th>error</th></tr>' . $rows . '</table>';
    $rows = '';
    foreach (array_reverse($snapshots) as $snapshot) {
        $rows .= '<tr><td>' . $h($snapshot['id']) . '</td><td>' . $h($snapshot['description'] ?? '') . '</td><td>' . $h($snapshot['created_at'] ?? '')
            . '</td><td>' . $h(isset($snapshot['size_gb']) ? $snapshot['size_gb'] . ' GB' : '') . '</td></tr>';
    }
    $fields['Hostflow snapshots'] = $rows === ''
        ? 'none (the Snapshot button takes one)'
        : '<table class="table table-condensed"><tr><th>id</th><th>description</th><th>created</th><th>size</th></tr>' . $rows . '</table>'
            . '<small>"Restore latest snapshot" restores the first one listed.</small>';
    return $fields;
}
