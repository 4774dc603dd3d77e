// The zone instances get their names under (CLOUDFLARE_DOMAIN): the worker creates the DNS records
// there, the API builds each instance's URL from it. The name stays the Cloudflare one, as deployed.
import { z } from 'zod';

export const instanceDomainEnvShape = {
  CLOUDFLARE_DOMAIN: z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'expected a domain such as example.com'),
};
