import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import request from 'supertest';
import type { Express } from 'express';
import { callbackToken } from '../../config/callback-token';
import { buildOpenApiDocument } from '../../api/openapi';
import { createBody, setStatus, signed, startHarness, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.db.stop();
});

type Doc = ReturnType<typeof buildOpenApiDocument>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** "METHOD /path/{param}" for every route the Express app serves (walking its routers). */
function appRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: any[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          found.push(`${method.toUpperCase()} ${String(layer.route.path).replace(/:([a-z_]+)/g, '{$1}')}`);
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as any).router.stack);
  return found;
}

function docRoutes(doc: Doc): string[] {
  return Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => (item as Record<string, unknown>)[m]).map((m) => `${m.toUpperCase()} ${path}`),
  );
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const doc = buildOpenApiDocument({ serverUrl: 'http://127.0.0.1:2222' });
    expect(doc.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
    // The validator can fail: a dangling reference is refused.
    const broken = structuredClone(doc) as any;
    broken.paths['/api/instances'].post.requestBody.content['application/json'].schema = { $ref: '#/components/schemas/Nope' };
    await expect(SwaggerParser.validate(broken)).rejects.toThrow();
  });

  it('documents exactly the routes the app serves', () => {
    const served = appRoutes(h.app).filter((r) => !r.startsWith('GET /api/docs') && r !== 'GET /api/openapi.json');
    expect(new Set(served)).toEqual(new Set(docRoutes(buildOpenApiDocument())));
  });

  it('refuses unknown fields in every request body schema, as the routes do', async () => {
    const doc = (await SwaggerParser.dereference(structuredClone(buildOpenApiDocument()) as never)) as unknown as Doc;
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      for (const method of METHODS) {
        const op = (item as any)[method];
        const schema = op?.requestBody?.content?.['application/json']?.schema;
        if (!schema) continue;
        const objects = schema.anyOf ?? schema.oneOf ?? [schema];
        for (const object of objects) {
          // The one loose schema is the catch-all for WHMCS events Hostflow ignores.
          if (object.properties?.event && !object.properties.event.enum && !object.properties.event.const) continue;
          expect({ route: `${method} ${path}`, additionalProperties: object.additionalProperties }).toEqual({
            route: `${method} ${path}`,
            additionalProperties: false,
          });
        }
      }
    }
  });

  it('describes what the routes answer: real responses validate against their documented schemas', async () => {
    const doc = buildOpenApiDocument();
    const ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(doc as object, 'doc');
    const check = (path: string, method: string, res: request.Response) => {
      const pointer = `doc#/paths/${path.replace(/\//g, '~1')}/${method}/responses/${res.status}/content/application~1json/schema`;
      const validate = ajv.compile({ $ref: pointer });
      expect({ route: `${method} ${path} ${res.status}`, ok: validate(res.body), errors: validate.errors ?? null }).toEqual({
        route: `${method} ${path} ${res.status}`,
        ok: true,
        errors: null,
      });
    };

    const body = createBody({ ssh_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG4rT3vTt99Ox5kndS4H a@b'] });
    const created = await signed(h.app, 'post', '/api/instances', body).expect(202);
    check('/api/instances', 'post', created);
    const id = created.body.id as string;
    await h.db.handle.sql`update instances set current_operation_id = ${created.body.operation.id} where id = ${id}`;
    check('/api/instances/{id}', 'get', await signed(h.app, 'get', `/api/instances/${id}`).expect(200));
    check('/api/instances', 'get', await signed(h.app, 'get', `/api/instances?whmcs_service_id=${body.whmcs_service_id}`).expect(200));
    await setStatus(h.db.handle, id, 'running');
    const op = await signed(h.app, 'post', `/api/instances/${id}/reboot`, { reason: 'r' }).expect(202);
    check('/api/instances/{id}/reboot', 'post', op);
    check('/api/instances/{id}/resize', 'post', await signed(h.app, 'post', `/api/instances/${id}/resize`, { plan: 'mega' }).expect(409));
    check('/api/instances/{id}/operations', 'get', await signed(h.app, 'get', `/api/instances/${id}/operations`).expect(200));
    check('/api/instances/{id}/operations/{op_id}', 'get', await signed(h.app, 'get', `/api/instances/${id}/operations/${op.body.operation.id}`).expect(200));
    check('/api/instances/{id}', 'delete', await signed(h.app, 'delete', `/api/instances/${id}`, { snapshot: false }).expect(202));
    check('/api/instances/{id}/ready', 'post', await request(h.app).post(`/api/instances/${id}/ready`).set('X-Callback-Token', callbackToken(h.config.callbackSecret, id)).expect(200));
    check('/api/instances/{id}/ready', 'post', await request(h.app).post(`/api/instances/${id}/ready`).expect(401));
    check('/api/webhooks/whmcs', 'post', await signed(h.app, 'post', '/api/webhooks/whmcs', { event: 'Other' }).expect(202));
    check('/api/webhooks/whmcs', 'post', await signed(h.app, 'post', '/api/webhooks/whmcs', { event: 'ServiceCancelled', service_id: body.whmcs_service_id }).expect(202));
    check('/api/instances', 'post', await signed(h.app, 'post', '/api/instances', { nope: 1 }).expect(400));
    check('/api/health', 'get', await request(h.app).get('/api/health').expect(200));
  });

  it('is served at /api/openapi.json, with a docs page at /api/docs that loads its assets locally', async () => {
    const json = await request(h.app).get('/api/openapi.json').expect(200);
    expect(json.body.openapi).toBe('3.1.0');
    expect(json.body.servers).toEqual([{ url: h.config.api.publicUrl }]);
    const page = await request(h.app).get('/api/docs').expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('swagger-ui');
    for (const asset of ['/api/docs/assets/swagger-ui-bundle.js', '/api/docs/assets/swagger-ui.css', '/api/docs/init.js']) {
      await request(h.app).get(asset).expect(200);
    }
    await request(h.app).get('/api/docs/assets/nope.js').expect(404);
  });
});
