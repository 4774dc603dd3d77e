// GET /api/catalog — the plans and regions a billing system may ask for, read from the configured
// catalog, so a billing system's product settings (the WHMCS module's dropdowns) never drift from
// what the API accepts. Signed like every billing route: it is also the module's "Test Connection".
import { Router } from 'express';
import { z } from 'zod';
import { PLANS, REGIONS } from '../../config/catalog';
import type { RouteContext } from '../deps';

export const CatalogResponse = z
  .object({
    plans: z.array(z.object({ name: z.enum(PLANS), server_type: z.string() })).meta({ description: 'Plans, with the provider server type each one means' }),
    regions: z.array(z.object({ name: z.enum(REGIONS), location: z.string() })).meta({ description: 'Regions, with the provider location each one means' }),
    image: z.string().meta({ example: 'ubuntu-24.04' }),
  })
  .meta({ id: 'Catalog' });
export type CatalogResponse = z.infer<typeof CatalogResponse>;

export function catalogRoutes({ deps, signed }: RouteContext): Router {
  const router = Router();
  const { catalog } = deps.config;
  router.get('/api/catalog', ...signed, (_req, res) => {
    const body: CatalogResponse = {
      plans: PLANS.filter((name) => Object.hasOwn(catalog.serverTypes, name)).map((name) => ({ name, server_type: catalog.serverTypes[name] })),
      regions: REGIONS.filter((name) => Object.hasOwn(catalog.locations, name)).map((name) => ({ name, location: catalog.locations[name] })),
      image: catalog.image,
    };
    res.json(body);
  });
  return router;
}
