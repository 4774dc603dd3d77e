<?php
/**
 * Hostflow — WHMCS server (provisioning) module.
 *
 * Drives Hostflow's signed HTTP API: every WHMCS service of a product using this module is one
 * Hostflow instance (a VPS), found by the WHMCS service id. Create / Suspend / Unsuspend /
 * Terminate / Change Package map to the API's routes; each request is signed (signature v2),
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
 * Product settings (Module Settings tab): configoption1 … configoption5.
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
        Service::requestOperation($params, 'ChangePackage', 'resize', ['plan' => $plan], $plan);
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
 * Admin buttons on the service. Hostflow's API has no snapshot, rebuild or reset-password route
 * yet; those buttons come with the routes.
 */
function hostflow_AdminCustomButtonArray(): array
{
    return ['Reboot' => 'reboot'];
}

function hostflow_reboot(array $params): string
{
    return Service::run(static function () use ($params): string {
        Service::requestOperation($params, 'Reboot', 'reboot', ['reason' => 'WHMCS admin']);
        return 'success';
    });
}

/** The client area's overview: status, address, plan, the last operations (templates/clientarea.tpl). */
function hostflow_ClientArea(array $params): array
{
    [$instance, $operations, $error] = Service::readInstance($params, 'ClientArea');
    $recent = array_map(
        static fn (array $op): array => [
            'type' => (string) ($op['type'] ?? ''),
            'status' => (string) ($op['status'] ?? ''),
            'plan' => (string) ($op['args']['plan'] ?? ''),
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
        ],
    ];
}

/** Extra rows on the admin's service page: instance, state, Temporal Web UI link, recent operations. */
function hostflow_AdminServicesTabFields(array $params): array
{
    $h = static fn (mixed $value): string => htmlspecialchars((string) $value, ENT_QUOTES, 'UTF-8');
    [$instance, $operations, $error] = Service::readInstance($params, 'AdminServicesTabFields');
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
        $rows .= '<tr><td>' . $h($op['seq'] ?? '') . '</td><td>' . $h($op['type'] ?? '') . (isset($op['args']['plan']) ? ' → ' . $h($op['args']['plan']) : '')
            . '</td><td>' . $h($op['status'] ?? '') . '</td><td>' . $h($op['created_at'] ?? '') . '</td><td>' . $h($op['error'] ?? '') . '</td></tr>';
    }
    $fields['Hostflow operations'] = $rows === '' ? 'none' : '<table class="table table-condensed"><tr><th>#</th><th>operation</th><th>status</th><th>requested</th><th>error</th></tr>' . $rows . '</table>';
    return $fields;
}
