// /v1/images (system images and snapshots) and the read-only catalog: server types, locations,
// datacenters. Enough for clients that resolve names to ids before creating a server.

import { Router } from 'express';
import { LOCATIONS, SERVER_TYPES, SYSTEM_IMAGES, datacenterJson, locationJson, serverTypeJson, systemImageJson } from './catalog';
import type { HetznerContext } from './context';
import { notFound } from './errors';
import { listParam, paginate } from './pagination';
import { imageJson } from './render';

function allImages(ctx: HetznerContext): Array<{ id: number; name: string | null; type: string; json: object }> {
  return [
    ...SYSTEM_IMAGES.map((i) => ({ id: i.id, name: i.name as string | null, type: 'system', json: systemImageJson(i) as object })),
    ...[...ctx.store.images.values()].map((i) => ({ id: i.id, name: null, type: i.type, json: imageJson(i) as object })),
  ];
}

function catalogList<T extends { id: number; name: string }>(
  r: Router, path: string, key: string, items: T[], json: (t: T) => object, singular: string,
): void {
  r.get(`/${path}`, (req, res) => {
    const query = req.query as Record<string, unknown>;
    const name = listParam(query['name'])[0];
    const page = paginate(items.filter((i) => name === undefined || i.name === name), query);
    res.json({ [key]: page.items.map(json), meta: page.meta });
  });
  r.get(`/${path}/:id`, (req, res) => {
    const item = items.find((i) => i.id === Number(req.params['id']));
    if (!item) throw notFound(singular);
    res.json({ [singular]: json(item) });
  });
}

export function imagesRouter(ctx: HetznerContext): Router {
  const r = Router();

  r.get('/images', (req, res) => {
    const query = req.query as Record<string, unknown>;
    const name = listParam(query['name'])[0];
    const types = listParam(query['type']);
    const images = allImages(ctx).filter(
      (i) => (name === undefined || i.name === name) && (types.length === 0 || types.includes(i.type)),
    );
    const page = paginate(images, query);
    res.json({ images: page.items.map((i) => i.json), meta: page.meta });
  });

  r.get('/images/:id', (req, res) => {
    const image = allImages(ctx).find((i) => i.id === Number(req.params.id));
    if (!image) throw notFound('image');
    res.json({ image: image.json });
  });

  r.delete('/images/:id', (req, res) => {
    if (!ctx.store.images.delete(Number(req.params.id))) throw notFound('image');
    res.status(204).end();
  });

  catalogList(r, 'server_types', 'server_types', SERVER_TYPES, serverTypeJson, 'server_type');
  catalogList(r, 'locations', 'locations', LOCATIONS, locationJson, 'location');
  const dcs = LOCATIONS.map((l) => ({ id: l.datacenter.id, name: l.datacenter.name, loc: l }));
  catalogList(r, 'datacenters', 'datacenters', dcs, (d) => datacenterJson(d.loc), 'datacenter');

  return r;
}
