// One HTTP(S) GET of an instance's health URL, time-limited, answering what it saw in words an
// operator can read. node:http(s) with agent:false rather than fetch: every instance is its own
// origin, and fetch's keep-alive pools would hold thousands of idle sockets open during a sweep;
// here each check's socket closes with its answer.
import http from 'node:http';
import https from 'node:https';

export interface ProbeResult {
  ok: boolean;
  /** "HTTP 200", "HTTP 503", "timed out after 5 s", "connection refused (ECONNREFUSED)". */
  seen: string;
}

export function probeHealthUrl(url: string, timeoutMs: number): Promise<ProbeResult> {
  const signal = AbortSignal.timeout(timeoutMs);
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve) => {
    if (!URL.canParse(url)) return resolve({ ok: false, seen: 'not a valid URL' });
    const request = client.request(url, { method: 'GET', agent: false, signal, headers: { 'user-agent': 'hostflow-health-monitor' } }, (response) => {
      // Only the status matters; the body is discarded (and an abort while it streams is harmless).
      response.on('error', () => {});
      response.resume();
      resolve(fromStatus(response.statusCode ?? 0));
    });
    request.on('error', (error) => resolve({ ok: false, seen: signal.aborted ? `timed out after ${formatSeconds(timeoutMs)}` : describeError(error) }));
    request.end();
  });
}

function fromStatus(status: number): ProbeResult {
  if (status >= 200 && status < 300) return { ok: true, seen: `HTTP ${status}` };
  // A health endpoint that redirects is misconfigured, and following it could lead anywhere.
  if (status >= 300 && status < 400) return { ok: false, seen: `HTTP ${status} (redirect not followed)` };
  return { ok: false, seen: `HTTP ${status}` };
}

const ERROR_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'name not found',
  EAI_AGAIN: 'name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
};

function describeError(error: Error & { code?: string }): string {
  const words = error.code ? ERROR_WORDS[error.code] : undefined;
  if (words) return `${words} (${error.code})`;
  if (error.code?.startsWith('ERR_TLS') || error.code?.includes('CERT')) return `TLS error: ${error.message} (${error.code})`;
  return `connection error: ${error.message}${error.code ? ` (${error.code})` : ''}`;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
