// GET /api/openapi.json and GET /api/docs (Swagger UI, served from the swagger-ui-dist package:
// no CDN, so the page works on a machine without internet access).
import path from 'node:path';
import express, { Router } from 'express';
import type { RouteContext } from '../deps';
import { buildOpenApiDocument } from '../openapi';

const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Hostflow API</title>
  <link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/api/docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

export function docsRoutes({ deps }: RouteContext): Router {
  const router = Router();
  const document = buildOpenApiDocument({ serverUrl: deps.config.api.publicUrl });
  router.get('/api/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.get('/api/docs', (_req, res) => {
    res.type('html').send(PAGE);
  });
  router.get('/api/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(INIT);
  });
  router.use('/api/docs/assets', express.static(SWAGGER_UI_DIR, { index: false, fallthrough: true }));
  return router;
}
