<?php
/**
 * Runs one function of the Hostflow WHMCS module outside WHMCS, for the tests
 * (test/integrations/whmcs-module.test.ts).
 *
 * Reads one JSON object on stdin and writes one JSON object on stdout:
 *   {"call": "CreateAccount", "params": {...}}  → {"result": …, "log": [...], "saved": {...}}
 *     params are shaped as WHMCS passes them (serviceid, userid, clientsdetails, configoptionN,
 *     configoptions, customfields, serverhostname, serverport, serverusername, serverpassword,
 *     serversecure, …); the harness adds the `model` WHMCS passes, whose
 *     serviceProperties->save() lands in "saved".
 *   {"sign": {"secret", "method", "target", "timestamp", "nonce", "idempotency_key", "body"}}
 *     → {"canonical": "...", "signature": "v2=..."}
 *
 * Stands in for the WHMCS functions the module calls: logModuleCall (with its replace-vars
 * masking, as WHMCS does it) and the service model's serviceProperties.
 */

declare(strict_types=1);

define('WHMCS', true);

$GLOBALS['harness_log'] = [];
$GLOBALS['harness_saved'] = [];

/** WHMCS's module log: replaceVars are masked in everything it stores. */
function logModuleCall($module, $action, $requestString, $responseData, $processedData = '', $replaceVars = []): void
{
    $text = static fn (mixed $value): string => is_string($value) ? $value : (string) json_encode($value, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
    $mask = static function (string $value) use ($replaceVars): string {
        foreach ($replaceVars as $secret) {
            if (is_string($secret) && $secret !== '') {
                $value = str_replace($secret, str_repeat('*', strlen($secret)), $value);
            }
        }
        return $value;
    };
    $GLOBALS['harness_log'][] = [
        'module' => $module,
        'action' => $action,
        'request' => $mask($text($requestString)),
        'response' => $mask($text($responseData)),
        'processed' => $mask($text($processedData)),
        'replace_vars' => array_values(array_map(static fn ($v) => (string) $v, (array) $replaceVars)),
    ];
}

/** The part of WHMCS's service model the module uses: Service Properties (custom fields). */
final class HarnessServiceProperties
{
    public function save(array $properties): void
    {
        foreach ($properties as $name => $value) {
            $GLOBALS['harness_saved'][$name] = $value;
        }
    }

    public function get(string $name): string
    {
        return (string) ($GLOBALS['harness_saved'][$name] ?? '');
    }
}

final class HarnessServiceModel
{
    public HarnessServiceProperties $serviceProperties;

    public function __construct()
    {
        $this->serviceProperties = new HarnessServiceProperties();
    }
}

require_once __DIR__ . '/../modules/servers/hostflow/hostflow.php';

$input = json_decode((string) stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);

if (isset($input['sign'])) {
    $s = $input['sign'];
    $args = [(string) $s['method'], (string) $s['target'], (string) $s['timestamp'], (string) $s['nonce'], (string) $s['idempotency_key'], (string) $s['body']];
    echo json_encode([
        'canonical' => \WHMCS\Module\Server\Hostflow\Client::canonicalString(...$args),
        'signature' => \WHMCS\Module\Server\Hostflow\Client::sign((string) $s['secret'], ...$args),
    ], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), "\n";
    exit(0);
}

$function = 'hostflow_' . (string) $input['call'];
if (!function_exists($function)) {
    fwrite(STDERR, "no such module function: $function\n");
    exit(2);
}
$params = is_array($input['params'] ?? null) ? $input['params'] : [];
$params['model'] = new HarnessServiceModel();

$output = ['result' => null, 'exception' => null];
try {
    $output['result'] = in_array($input['call'], ['MetaData', 'ConfigOptions', 'AdminCustomButtonArray', 'ClientAreaCustomButtonArray'], true) ? $function() : $function($params);
} catch (\Throwable $e) {
    // Loader functions report a failure by throwing, as WHMCS expects.
    $output['exception'] = ['class' => get_class($e), 'message' => $e->getMessage()];
}
$output['log'] = $GLOBALS['harness_log'];
$output['saved'] = (object) $GLOBALS['harness_saved'];
echo json_encode($output, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PARTIAL_OUTPUT_ON_ERROR), "\n";
