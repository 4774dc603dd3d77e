// With real providers, a half-set configuration costs money: a server billed that no VPS calls back
// for, or one provider real and the other the sandbox. These checks make such a start impossible.

/** A provider URL on this machine is the sandbox (or a stand-in); anything else is the real thing. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1' || host === '0.0.0.0' || host === '::';
}

const isLoopbackUrl = (url: string): boolean => isLoopbackHost(new URL(url).hostname);

export interface ProviderUrls {
  hetznerUrl: string;
  cloudflareUrl: string;
}

export function usesRealProviders(urls: ProviderUrls): boolean {
  return !isLoopbackUrl(urls.hetznerUrl) || !isLoopbackUrl(urls.cloudflareUrl);
}

/** What is wrong with a configuration that talks to at least one real provider. */
export function realProviderProblems(urls: ProviderUrls & { apiUrl: string }): string[] {
  if (!usesRealProviders(urls)) return [];
  const problems: string[] = [];
  if (isLoopbackUrl(urls.hetznerUrl) !== isLoopbackUrl(urls.cloudflareUrl)) {
    problems.push('HETZNER_API_URL, CLOUDFLARE_API_URL: one provider is real and the other a local stand-in; use both real or both sandbox');
  }
  const api = new URL(urls.apiUrl);
  if (api.protocol !== 'https:') problems.push(`API_URL: new servers send their callback token to it, so it must be https with real providers (got ${api.protocol}//)`);
  if (isLoopbackHost(api.hostname)) problems.push(`API_URL: ${api.hostname.replace(/^\[|\]$/g, '')} is this machine; a new server cannot call it back (set the API's public https URL)`);
  return problems;
}
