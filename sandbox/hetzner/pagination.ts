// Hetzner page/per_page pagination with meta.pagination; per_page is capped at 50 by the API.

import type { NextFunction, Request, Response } from 'express';
import { invalidInput } from './errors';

export interface Page<T> {
  items: T[];
  meta: {
    pagination: {
      page: number;
      per_page: number;
      previous_page: number | null;
      next_page: number | null;
      last_page: number;
      total_entries: number;
    };
  };
}

function intParam(value: unknown, field: string, dflt: number, min: number, max: number): number {
  if (value === undefined || value === '') return dflt;
  const s = Array.isArray(value) ? value[value.length - 1] : value;
  const n = Number(s);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw invalidInput(field, `must be an integer between ${min} and ${max}`);
  }
  return n;
}

export function paginate<T>(all: T[], query: Record<string, unknown>): Page<T> {
  const page = intParam(query['page'], 'page', 1, 1, Number.MAX_SAFE_INTEGER);
  const perPage = intParam(query['per_page'], 'per_page', 25, 1, 50);
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  const items = all.slice((page - 1) * perPage, page * perPage);
  return {
    items,
    meta: {
      pagination: {
        page,
        per_page: perPage,
        previous_page: page > 1 ? page - 1 : null,
        next_page: page < lastPage ? page + 1 : null,
        last_page: lastPage,
        total_entries: all.length,
      },
    },
  };
}

type Pagination = Page<unknown>['meta']['pagination'];

/** The `Link` header list answers carry besides meta.pagination: prev, next and last, each with per_page. */
export function linkHeader(requestUrl: URL, p: Pagination): string {
  const link = (page: number, rel: string) => {
    const url = new URL(requestUrl);
    url.searchParams.set('page', String(page));
    url.searchParams.set('per_page', String(p.per_page));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links = [];
  if (p.previous_page !== null) links.push(link(p.previous_page, 'prev'));
  if (p.next_page !== null) links.push(link(p.next_page, 'next'));
  links.push(link(p.last_page, 'last'));
  return links.join(', ');
}

/** Adds the Link header to every JSON answer that has meta.pagination, whichever route made it. */
export function paginationLinks(req: Request, res: Response, next: NextFunction): void {
  const json = res.json.bind(res);
  res.json = ((body: unknown) => {
    const pagination = (body as { meta?: { pagination?: Pagination } } | null)?.meta?.pagination;
    if (pagination) res.set('Link', linkHeader(new URL(req.originalUrl, `${req.protocol}://${req.get('host') ?? 'localhost'}`), pagination));
    return json(body);
  }) as Response['json'];
  next();
}

/** A query parameter that may repeat (`id=1&id=2`), as strings. */
export function listParam(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String).filter((v) => v !== '');
}

/** Hetzner's `sort=id:desc` (repeatable); unknown fields are refused like the API does. */
export function sortBy<T>(items: T[], sortParam: unknown, fields: Record<string, (t: T) => string | number>): T[] {
  const sorts = listParam(sortParam);
  if (sorts.length === 0) return items;
  const keys = sorts.map((s) => {
    const [field = '', dir = 'asc'] = s.split(':');
    const get = fields[field];
    if (!get || (dir !== 'asc' && dir !== 'desc')) throw invalidInput('sort', `invalid sort value '${s}'`);
    return { get, sign: dir === 'desc' ? -1 : 1 };
  });
  return [...items].sort((a, b) => {
    for (const k of keys) {
      const x = k.get(a);
      const y = k.get(b);
      if (x < y) return -k.sign;
      if (x > y) return k.sign;
    }
    return 0;
  });
}
