// GET /api/openapi.json and GET /api/docs (Swagger UI, served from the swagger-ui-dist package:
// no CDN, so the page works on a machine without internet access).
import path from 'node:path';
import express, { Router, type RequestHandler } from 'express';
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

// validatorUrl: null — no badge fetched from validator.swagger.io (the CSP would block it anyway).
const INIT = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null });\n`;

/**
 * The page loads only its own scripts and styles: an injected script (or a hostile document
 * rendered into it) can neither run inline nor call out, and the page cannot be framed.
 * Swagger UI sets style attributes and uses data: images, hence those two allowances; "Try it
 * out" calls the API itself (`apiOrigin`, which may differ from the page's behind a proxy).
 */
function docsSecurityHeaders(apiOrigin: string): RequestHandler {
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${apiOrigin}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return (_req, res, next) => {
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': csp, 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' });
    next();
  };
}

export function docsRoutes({ deps }: RouteContext): Router {
  const router = Router();
  const document = buildOpenApiDocument({ serverUrl: deps.config.api.publicUrl });
  router.use(['/api/docs', '/api/openapi.json'], docsSecurityHeaders(new URL(deps.config.api.publicUrl).origin));
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
