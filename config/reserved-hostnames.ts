// Hostnames a customer may not order (RESERVED_HOSTNAMES): names an operator's own zone commonly
// uses for itself. Hostflow never touches a DNS record it did not create, so a collision fails the
// provision anyway; refusing these up front gives the billing system a clear 409 instead.
export const DEFAULT_RESERVED_HOSTNAMES: readonly string[] = [
  'www', 'api', 'app', 'admin', 'administrator', 'root', 'billing', 'hostflow', 'whmcs',
  'mail', 'smtp', 'imap', 'pop', 'pop3', 'webmail', 'autodiscover', 'autoconfig', 'mta-sts',
  'ftp', 'sftp', 'ns1', 'ns2', 'ns3', 'ns4', 'dns',
  'status', 'dashboard', 'panel', 'portal', 'cpanel', 'whm', 'console', 'manage',
  'auth', 'login', 'sso', 'account', 'accounts', 'secure', 'pay', 'payments', 'checkout',
  'support', 'help', 'docs', 'blog', 'shop', 'store', 'cdn', 'static', 'assets', 'media',
  'vpn', 'git', 'temporal', 'grafana', 'prometheus', 'metrics', 'monitor',
  'dev', 'test', 'staging', 'localhost',
];

/** RESERVED_HOSTNAMES: a comma list that replaces the defaults; "none" reserves nothing. */
export function parseReservedHostnames(value: string): string[] {
  const trimmed = value.trim().toLowerCase();
  if (trimmed === 'none') return [];
  return [...new Set(trimmed.split(',').map((name) => name.trim()).filter(Boolean))];
}
