// /v1/actions: get one, or list by id (hcloud-go's WaitFor polls `?id=..&id=..&sort=status&sort=id`).

import { Router } from 'express';
import { ACTION_SORT } from './action-engine';
import type { HetznerContext } from './context';
import { notFound } from './errors';
import { listParam, paginate, sortBy } from './pagination';
import { actionJson } from './render';

export function actionsRouter(ctx: HetznerContext): Router {
  const r = Router();

  r.get('/actions', (req, res) => {
    const query = req.query as Record<string, unknown>;
    const ids = listParam(query['id']).map(Number);
    const statuses = listParam(query['status']);
    const actions = [...ctx.store.actions.values()].filter(
      (a) => (ids.length === 0 || ids.includes(a.id)) && (statuses.length === 0 || statuses.includes(a.status)),
    );
    const page = paginate(sortBy(actions, query['sort'], ACTION_SORT), query);
    res.json({ actions: page.items.map(actionJson), meta: page.meta });
  });

  r.get('/actions/:id', (req, res) => {
    const action = ctx.store.actions.get(Number(req.params.id));
    if (!action) throw notFound('action');
    res.json({ action: actionJson(action) });
  });

  return r;
}
