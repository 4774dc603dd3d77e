// GET /api/catalog: the configured plans and regions, behind the signature like every billing route
// (the WHMCS module fills its product settings from it and uses it as its connection test).
import Ajv2020 from 'ajv/dist/2020';
import request from 'supertest';
import { buildOpenApiDocument } from '../../api/openapi';
import { DEFAULT_CATALOG, PLANS, REGIONS } from '../../config/catalog';
import { signed, startHarness, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.db.stop();
});

describe('GET /api/catalog', () => {
  it('answers the plans and regions of the configured catalog', async () => {
    const res = await signed(h.app, 'get', '/api/catalog').expect(200);
    expect(res.body).toEqual({
      plans: PLANS.map((name) => ({ name, server_type: DEFAULT_CATALOG.serverTypes[name] })),
      regions: REGIONS.map((name) => ({ name, location: DEFAULT_CATALOG.locations[name] })),
      image: DEFAULT_CATALOG.image,
    });
    // The answer is what the OpenAPI document says it is.
    const ajv = new Ajv2020({ strict: false, validateSchema: false });
    ajv.addSchema(buildOpenApiDocument() as object, 'doc');
    const validate = ajv.compile({ $ref: 'doc#/paths/~1api~1catalog/get/responses/200/content/application~1json/schema' });
    expect({ ok: validate(res.body), errors: validate.errors ?? null }).toEqual({ ok: true, errors: null });
  });

  it('is refused without a valid signature', async () => {
    const res = await request(h.app).get('/api/catalog').expect(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
    await signed(h.app, 'get', '/api/catalog', undefined, { pair: { key: 'billing-1', secret: 'not-the-secret-0123456789' } }).expect(401);
  });
});
