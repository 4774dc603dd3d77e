<?php
/**
 * Hostflow API client for the WHMCS server module: signs every request with signature v2,
 * sends it with cURL, writes it to the WHMCS module log and turns any failure into one sentence
 * a billing admin can act on (ApiException).
 *
 * Signature v2: X-Signature = "v2=" + hex HMAC-SHA256(secret, the 8 lines below joined by "\n")
 *   hostflow-v2 / request / METHOD / path?query / X-Timestamp / X-Nonce / Idempotency-Key or "" /
 *   hex SHA-256 of the exact body bytes sent ("" when there is no body)
 */

declare(strict_types=1);

namespace WHMCS\Module\Server\Hostflow;

final class ApiException extends \RuntimeException
{
    public function __construct(
        string $message,
        public readonly int $httpStatus = 0,
        public readonly string $apiCode = '',
    ) {
        parent::__construct($message);
    }

    /** No answer at all (DNS, refused connection, timeout, TLS). */
    public function unreachable(): bool
    {
        return $this->httpStatus === 0;
    }
}

final class Client
{
    private const CONNECT_TIMEOUT_SECONDS = 5;
    private const TIMEOUT_SECONDS = 20;

    /** @var callable(string, string, string, mixed, array<int, string>): void */
    private $logger;

    /**
     * @param string   $baseUrl e.g. https://hostflow.example.com (a path prefix is kept)
     * @param callable $logger  fn(action, request, response, processed, secretsToMask)
     */
    public function __construct(
        private readonly string $baseUrl,
        private readonly string $apiKey,
        private readonly string $secret,
        callable $logger,
    ) {
        $this->logger = $logger;
    }

    /** The API's base URL from the WHMCS server fields (hostname, IP, port, secure flag). */
    public static function baseUrlFromParams(array $params): string
    {
        $host = trim((string) ($params['serverhostname'] ?? ''));
        if ($host === '') {
            $host = trim((string) ($params['serverip'] ?? ''));
        }
        if ($host === '') {
            return '';
        }
        if (preg_match('#^https?://#i', $host) === 1) {
            return rtrim($host, '/');
        }
        $secure = in_array(strtolower((string) ($params['serversecure'] ?? '')), ['1', 'on', 'true', 'yes'], true);
        $scheme = $secure ? 'https' : 'http';
        $port = trim((string) ($params['serverport'] ?? ''));
        $default = $secure ? '443' : '80';
        return $scheme . '://' . rtrim($host, '/') . ($port !== '' && $port !== $default && !str_contains($host, ':') ? ':' . $port : '');
    }

    /** The HMAC secret: the server's Password, or its Access Hash when the password is empty. */
    public static function secretFromParams(array $params): string
    {
        $password = trim((string) ($params['serverpassword'] ?? ''));
        return $password !== '' ? $password : trim((string) ($params['serveraccesshash'] ?? ''));
    }

    public static function canonicalString(
        string $method,
        string $target,
        string $timestamp,
        string $nonce,
        string $idempotencyKey,
        string $body,
    ): string {
        return implode("\n", [
            'hostflow-v2',
            'request',
            strtoupper($method),
            $target,
            $timestamp,
            $nonce,
            $idempotencyKey,
            hash('sha256', $body),
        ]);
    }

    /** The X-Signature header value. */
    public static function sign(
        string $secret,
        string $method,
        string $target,
        string $timestamp,
        string $nonce,
        string $idempotencyKey,
        string $body,
    ): string {
        return 'v2=' . hash_hmac('sha256', self::canonicalString($method, $target, $timestamp, $nonce, $idempotencyKey, $body), $secret);
    }

    public function host(): string
    {
        return (string) (parse_url($this->baseUrl, PHP_URL_HOST) ?? $this->baseUrl)
            . (parse_url($this->baseUrl, PHP_URL_PORT) !== null ? ':' . parse_url($this->baseUrl, PHP_URL_PORT) : '');
    }

    /** @param array<string, scalar> $query */
    public function get(string $action, string $path, array $query = []): array
    {
        return $this->request($action, 'GET', $path . ($query === [] ? '' : '?' . http_build_query($query, '', '&', PHP_QUERY_RFC3986)), null, null);
    }

    /** @param array<string, mixed>|null $body */
    public function post(string $action, string $path, ?array $body, string $idempotencyKey): array
    {
        return $this->request($action, 'POST', $path, $body, $idempotencyKey);
    }

    /** @param array<string, mixed>|null $body */
    public function delete(string $action, string $path, ?array $body, string $idempotencyKey): array
    {
        return $this->request($action, 'DELETE', $path, $body, $idempotencyKey);
    }

    private function request(string $action, string $method, string $pathAndQuery, ?array $body, ?string $idempotencyKey): array
    {
        if ($this->baseUrl === '' || $this->apiKey === '' || $this->secret === '') {
            throw new ApiException('Hostflow server is not configured: set the Hostname (API URL), Username (API key) and Password (HMAC secret) of the server in Setup > Products/Services > Servers');
        }
        $url = $this->baseUrl . $pathAndQuery;
        // The signed target is the path with query exactly as on the request line (with any base path).
        $target = (string) parse_url($url, PHP_URL_PATH) . (parse_url($url, PHP_URL_QUERY) !== null ? '?' . parse_url($url, PHP_URL_QUERY) : '');
        $raw = $body === null ? '' : json_encode($body, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_THROW_ON_ERROR);
        $timestamp = (string) time();
        $nonce = bin2hex(random_bytes(16));
        $requestId = 'whmcs-' . bin2hex(random_bytes(12));

        $headers = [
            'Accept' => 'application/json',
            'X-Request-Id' => $requestId,
            'X-API-Key' => $this->apiKey,
            'X-Timestamp' => $timestamp,
            'X-Nonce' => $nonce,
        ];
        if ($idempotencyKey !== null) {
            $headers['Idempotency-Key'] = $idempotencyKey;
        }
        if ($raw !== '') {
            $headers['Content-Type'] = 'application/json';
        }
        $headers['X-Signature'] = self::sign($this->secret, $method, $target, $timestamp, $nonce, $idempotencyKey ?? '', $raw);

        $logRequest = "$method $url\n";
        foreach ($headers as $name => $value) {
            $logRequest .= "$name: $value\n";
        }
        $logRequest .= $raw === '' ? '' : "\n$raw";

        $curl = curl_init($url);
        $options = [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HEADER => false,
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_CONNECTTIMEOUT => self::CONNECT_TIMEOUT_SECONDS,
            CURLOPT_TIMEOUT => self::TIMEOUT_SECONDS,
            CURLOPT_SSL_VERIFYPEER => true,
            CURLOPT_SSL_VERIFYHOST => 2,
            // 'Expect:' stops cURL from holding larger bodies for a 100-continue.
            CURLOPT_HTTPHEADER => array_merge(
                array_map(fn (string $name, string $value) => "$name: $value", array_keys($headers), array_values($headers)),
                ['Expect:'],
            ),
        ];
        if ($raw !== '') {
            $options[CURLOPT_POSTFIELDS] = $raw;
        }
        curl_setopt_array($curl, $options);
        $answer = curl_exec($curl);
        $status = (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
        $curlError = curl_error($curl);
        curl_close($curl);

        if ($answer === false || $status === 0) {
            $message = sprintf('Hostflow API unreachable at %s: %s [request %s]', $this->host(), $curlError !== '' ? $curlError : 'no answer', $requestId);
            $this->log($action, $logRequest, '', $message);
            throw new ApiException($message);
        }
        $decoded = json_decode((string) $answer, true);
        $this->log($action, $logRequest, "HTTP $status\n$answer", is_array($decoded) ? $decoded : (string) $answer);

        if ($status >= 200 && $status < 300 && is_array($decoded)) {
            return $decoded;
        }
        throw self::failure($status, $decoded, $this->host(), $requestId);
    }

    private static function failure(int $status, mixed $decoded, string $host, string $requestId): ApiException
    {
        $error = is_array($decoded) && is_array($decoded['error'] ?? null) ? $decoded['error'] : null;
        if ($error === null || !is_string($error['message'] ?? null)) {
            return new ApiException(
                sprintf('Hostflow API at %s answered HTTP %d without a Hostflow error (is the server hostname right?) [request %s]', $host, $status, $requestId),
                $status,
            );
        }
        $code = is_string($error['code'] ?? null) ? $error['code'] : '';
        $message = rtrim($error['message'], '.');
        $details = [];
        foreach (is_array($error['details'] ?? null) ? $error['details'] : [] as $detail) {
            if (is_array($detail) && is_string($detail['message'] ?? null)) {
                $details[] = (is_string($detail['path'] ?? null) && $detail['path'] !== '' ? $detail['path'] . ': ' : '') . $detail['message'];
            }
        }
        if ($details !== []) {
            $message .= ' (' . implode('; ', array_slice($details, 0, 3)) . ')';
        }
        $prefix = match ($code) {
            'UNAUTHORIZED' => 'Hostflow refused the server credentials (check the Username = API key and Password = HMAC secret of the server, and this server\'s clock): ',
            'RATE_LIMITED' => 'Hostflow is rate-limiting this API key, try again in a minute: ',
            'UNAVAILABLE' => 'Hostflow is temporarily unavailable, try again later: ',
            default => 'Hostflow: ',
        };
        // The API's own message may already name the request id (the module sent it as X-Request-Id).
        $suffix = str_contains($message, $requestId) ? '' : " [request $requestId]";
        return new ApiException($prefix . $message . $suffix, $status, $code);
    }

    private function log(string $action, string $request, string $response, mixed $processed): void
    {
        ($this->logger)($action, $request, $response, $processed, [$this->secret]);
    }
}
