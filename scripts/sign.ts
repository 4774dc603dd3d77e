// Signs a request with signature v2, as the WHMCS module does, and prints a curl command that sends it:
//   npm run -s sign -- POST /api/instances '{"whmcs_service_id":1,…}'        # prints curl …
//   npm run -s sign -- POST /api/instances '{…}' | sh                         # and runs it
//   npm run -s sign -- --headers POST /api/instances '{…}'                    # only the signing headers
// Key and secret: --key/--secret, else WHMCS_API_KEY/WHMCS_HMAC_SECRET, else the dev pair that
// `npm start` keeps in .data/dev-secrets.json. The body is signed and sent byte for byte, and
// PATH goes on curl's request line exactly as signed. Each run has a fresh nonce: a printed
// command works once. POST/DELETE get a random Idempotency-Key unless --idempotency-key is given.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { signRequest } from '../config/request-signing';

const USAGE = `usage: npm run -s sign -- [--headers] [--key K] [--secret S] [--url BASE] [--idempotency-key K] METHOD PATH [BODY | @file]`;

interface Options {
  method: string;
  path: string;
  body: string;
  key?: string;
  secret?: string;
  idempotencyKey?: string;
  url: string;
  headersOnly: boolean;
}

function parse(argv: string[]): Options {
  const positional: string[] = [];
  const options: Partial<Options> = { headersOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined) fail(`${arg} needs a value`);
      return next;
    };
    if (arg === '--headers') options.headersOnly = true;
    else if (arg === '--key') options.key = value();
    else if (arg === '--secret') options.secret = value();
    else if (arg === '--url') options.url = value();
    else if (arg === '--idempotency-key') options.idempotencyKey = value();
    else if (arg === '-h' || arg === '--help') fail(USAGE, 0);
    else positional.push(arg);
  }
  const [method, requestPath, body = ''] = positional;
  if (!method || !requestPath || positional.length > 3) fail(USAGE);
  return {
    ...options,
    method: method.toUpperCase(),
    path: requestPath,
    body: body.startsWith('@') ? readFileSync(body.slice(1), 'utf8') : body,
    url: (options.url ?? process.env.API_URL ?? 'http://127.0.0.1:2222').replace(/\/$/, ''),
    headersOnly: options.headersOnly ?? false,
  };
}

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function credentials(options: Options): { key: string; secret: string } {
  if (options.key && options.secret) return { key: options.key, secret: options.secret };
  const key = options.key ?? process.env.WHMCS_API_KEY;
  const secret = options.secret ?? process.env.WHMCS_HMAC_SECRET;
  if (key && secret) return { key, secret };
  const devFile = path.join(__dirname, '..', '.data', 'dev-secrets.json');
  if (existsSync(devFile)) {
    const dev = JSON.parse(readFileSync(devFile, 'utf8')) as { apiKey: string; hmacSecret: string };
    return { key: key ?? dev.apiKey, secret: secret ?? dev.hmacSecret };
  }
  fail('no signing pair: pass --key and --secret, set WHMCS_API_KEY and WHMCS_HMAC_SECRET, or run `npm start` once');
}

const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

function main(): void {
  const options = parse(process.argv.slice(2));
  const headers = signRequest(credentials(options), {
    method: options.method,
    target: options.path,
    body: options.body,
    ...(options.idempotencyKey !== undefined ? { idempotencyKey: options.idempotencyKey } : {}),
  });
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  if (options.headersOnly) {
    process.stdout.write(`${lines.join('\n')}\n`);
    return;
  }
  // --path-as-is: curl would otherwise squash `..` and `//`, and the signed path would not match.
  const parts = ['curl', '-sS', '--path-as-is', '-X', options.method, quote(`${options.url}${options.path}`), ...lines.flatMap((line) => ['-H', quote(line)])];
  if (options.body) parts.push('-H', quote('Content-Type: application/json'), '--data-raw', quote(options.body));
  process.stdout.write(`${parts.join(' ')}\n`);
}

main();
