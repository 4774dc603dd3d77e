// Route keys name routes independent of ids, for request counts and fault rules.
// They are computed from the raw path before routing, so faults can run ahead of handlers.

interface Pattern {
  re: RegExp;
  path: string;
  /** For POST …/:id/actions/:action, the concrete key names the action; a GET there names an action id. */
  concrete?: (m: RegExpMatchArray) => string;
  getKey?: string;
}

const PATTERNS: Pattern[] = [
  { re: /^\/v1\/servers$/, path: '/v1/servers' },
  { re: /^\/v1\/servers\/[^/]+$/, path: '/v1/servers/:id' },
  { re: /^\/v1\/servers\/[^/]+\/actions$/, path: '/v1/servers/:id/actions' },
  {
    re: /^\/v1\/servers\/[^/]+\/actions\/([^/]+)$/,
    path: '/v1/servers/:id/actions/:action',
    concrete: (m) => `/v1/servers/:id/actions/${m[1] ?? ''}`,
    getKey: '/v1/servers/:id/actions/:action_id',
  },
  { re: /^\/v1\/ssh_keys$/, path: '/v1/ssh_keys' },
  { re: /^\/v1\/ssh_keys\/[^/]+$/, path: '/v1/ssh_keys/:id' },
  { re: /^\/v1\/firewalls$/, path: '/v1/firewalls' },
  { re: /^\/v1\/firewalls\/[^/]+$/, path: '/v1/firewalls/:id' },
  { re: /^\/v1\/firewalls\/[^/]+\/actions$/, path: '/v1/firewalls/:id/actions' },
  {
    re: /^\/v1\/firewalls\/[^/]+\/actions\/([^/]+)$/,
    path: '/v1/firewalls/:id/actions/:action',
    concrete: (m) => `/v1/firewalls/:id/actions/${m[1] ?? ''}`,
    getKey: '/v1/firewalls/:id/actions/:action_id',
  },
  { re: /^\/v1\/actions$/, path: '/v1/actions' },
  { re: /^\/v1\/actions\/[^/]+$/, path: '/v1/actions/:id' },
  { re: /^\/v1\/images$/, path: '/v1/images' },
  { re: /^\/v1\/images\/[^/]+$/, path: '/v1/images/:id' },
  { re: /^\/v1\/(server_types|locations|datacenters)$/, path: '/v1/$1' },
  { re: /^\/v1\/(server_types|locations|datacenters)\/[^/]+$/, path: '/v1/$1/:id' },
  { re: /^\/client\/v4\/zones$/, path: '/client/v4/zones' },
  { re: /^\/client\/v4\/zones\/[^/]+$/, path: '/client/v4/zones/:zone_id' },
  { re: /^\/client\/v4\/zones\/[^/]+\/dns_records$/, path: '/client/v4/zones/:zone_id/dns_records' },
  {
    re: /^\/client\/v4\/zones\/[^/]+\/dns_records\/[^/]+$/,
    path: '/client/v4/zones/:zone_id/dns_records/:id',
  },
  // The alert receiver: counted like a provider so a test sees every delivery attempt.
  { re: /^\/hooks\/slack$/, path: '/hooks/slack' },
];

export interface RouteKey {
  key: string;
  /** Only for server and firewall actions: "POST /v1/servers/:id/actions/poweroff". */
  concrete: string | null;
}

export function routeKeyOf(method: string, rawPath: string): RouteKey {
  const path = rawPath.length > 1 ? rawPath.replace(/\/+$/, '') : rawPath;
  for (const p of PATTERNS) {
    const m = path.match(p.re);
    if (!m) continue;
    const generic = p.path.replace('$1', m[1] ?? '');
    if (p.getKey && method === 'GET') return { key: `GET ${p.getKey}`, concrete: null };
    return { key: `${method} ${generic}`, concrete: p.concrete ? `${method} ${p.concrete(m)}` : null };
  }
  return { key: `${method} (unmatched)`, concrete: null };
}
