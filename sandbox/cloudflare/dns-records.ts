// /client/v4/zones/:zone_id/dns_records: list (filters, pagination), create, get, patch, put, delete.

import { Router } from 'express';
import type { Request, Response } from 'express';
import type { DnsRecord, Store } from '../store';
import { type RecordInput, checkRecord, isProxiable } from './dns-validation';
import { cfError, sendOk } from './envelope';

export interface ZoneInfo {
  id: string;
  name: string;
}

export function recordJson(r: DnsRecord) {
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    content: r.content,
    proxiable: r.proxiable,
    proxied: r.proxied,
    ttl: r.ttl,
    ...(r.priority !== undefined ? { priority: r.priority } : {}),
    settings: {},
    meta: {},
    comment: r.comment,
    tags: r.tags,
    created_on: r.created_on,
    modified_on: r.modified_on,
  };
}

function one(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.length > 0 ? String(v[v.length - 1]) : undefined;
  return v === undefined ? undefined : String(v);
}

type Pred = (r: DnsRecord) => boolean;

/**
 * `<field>` (= `<field>.exact`), `.contains`, `.startswith`, `.endswith` for name, content and
 * comment. All are case-insensitive, as the API reference states; a name also ignores a final dot.
 * A record without a comment matches no comment filter.
 */
function stringFilters(q: Record<string, unknown>, field: 'name' | 'content' | 'comment'): Pred[] {
  const preds: Pred[] = [];
  const norm = (s: string) => (field === 'name' ? s.toLowerCase().replace(/\.$/, '') : s.toLowerCase());
  const test = (check: (value: string, wanted: string) => boolean, wanted: string | undefined) => {
    if (wanted === undefined) return;
    preds.push((r) => {
      const value = r[field];
      return value !== null && check(norm(value), norm(wanted));
    });
  };
  test((v, w) => v === w, one(q[`${field}.exact`]) ?? one(q[field]));
  test((v, w) => v.includes(w), one(q[`${field}.contains`]));
  test((v, w) => v.startsWith(w), one(q[`${field}.startswith`]));
  test((v, w) => v.endsWith(w), one(q[`${field}.endswith`]));
  return preds;
}

/** `comment.present` / `comment.absent`: the parameter's presence is the filter, its value is ignored. */
function commentPresence(q: Record<string, unknown>): Pred[] {
  const preds: Pred[] = [];
  if (q['comment.present'] !== undefined) preds.push((r) => r.comment !== null && r.comment !== '');
  if (q['comment.absent'] !== undefined) preds.push((r) => r.comment === null || r.comment === '');
  return preds;
}

function listRecords(store: Store, q: Record<string, unknown>) {
  const preds: Pred[] = [...stringFilters(q, 'name'), ...stringFilters(q, 'content'), ...stringFilters(q, 'comment'), ...commentPresence(q)];
  const type = one(q['type']);
  if (type !== undefined) preds.push((r) => r.type === type);
  const proxied = one(q['proxied']);
  if (proxied !== undefined) preds.push((r) => String(r.proxied) === proxied);
  const matchAny = one(q['match']) === 'any';
  let records = [...store.dnsRecords.values()].filter((r) =>
    preds.length === 0 ? true : matchAny ? preds.some((p) => p(r)) : preds.every((p) => p(r)),
  );
  const order = one(q['order']) as keyof DnsRecord | undefined;
  if (order && ['type', 'name', 'content', 'ttl', 'proxied'].includes(order)) {
    const sign = one(q['direction']) === 'desc' ? -1 : 1;
    records = records.sort((a, b) => (String(a[order]) < String(b[order]) ? -sign : String(a[order]) > String(b[order]) ? sign : 0));
  }
  const page = Number(one(q['page']) ?? 1);
  const perPage = Number(one(q['per_page']) ?? 100);
  if (!Number.isInteger(page) || page < 1 || !Number.isInteger(perPage) || perPage < 1 || perPage > 5_000_000) {
    throw cfError(400, 1004, 'DNS Validation Error: invalid page or per_page');
  }
  const items = records.slice((page - 1) * perPage, page * perPage);
  return {
    items,
    info: { page, per_page: perPage, count: items.length, total_count: records.length, total_pages: Math.ceil(records.length / perPage) },
  };
}

/** The refusals Cloudflare makes for a record that collides with another one. */
function checkConflicts(store: Store, input: RecordInput, selfId?: string): void {
  for (const r of store.dnsRecords.values()) {
    if (r.id === selfId || r.name !== input.name) continue;
    if (r.type === input.type && r.content === input.content) {
      throw cfError(400, 81058, 'An identical record already exists.');
    }
    if (r.type === 'CNAME' || input.type === 'CNAME') {
      throw cfError(400, 81053, 'An A, AAAA, or CNAME record with that host already exists.');
    }
  }
}

function bodyOf(req: Request): Record<string, unknown> {
  const b: unknown = req.body;
  if (b === undefined || b === null || typeof b !== 'object' || Array.isArray(b)) {
    throw cfError(400, 9207, 'Request body is invalid.');
  }
  return b as Record<string, unknown>;
}

export function dnsRecordsRouter(store: Store, zone: ZoneInfo): Router {
  const r = Router({ mergeParams: true });

  const getRecord = (id: string | undefined): DnsRecord => {
    const rec = id === undefined ? undefined : store.dnsRecords.get(id);
    if (!rec) throw cfError(404, 81044, 'Record does not exist.');
    return rec;
  };

  r.get('/', (req, res) => {
    const { items, info } = listRecords(store, req.query as Record<string, unknown>);
    sendOk(res, items.map(recordJson), info);
  });

  r.post('/', (req, res) => {
    const input = checkRecord(bodyOf(req), zone.name);
    checkConflicts(store, input);
    const now = new Date().toISOString();
    const rec: DnsRecord = { id: store.recordId(), ...input, proxiable: isProxiable(input.type), created_on: now, modified_on: now };
    store.dnsRecords.set(rec.id, rec);
    sendOk(res, recordJson(rec));
  });

  r.get('/:recordId', (req, res) => {
    sendOk(res, recordJson(getRecord(req.params['recordId'])));
  });

  const update = (merge: boolean) => (req: Request, res: Response) => {
    const rec = getRecord(String(req.params['recordId']));
    const body = bodyOf(req);
    const base = merge ? { type: rec.type, name: rec.name, content: rec.content, ttl: rec.ttl, proxied: rec.proxied, comment: rec.comment, tags: rec.tags, priority: rec.priority } : {};
    const input = checkRecord({ ...base, ...body }, zone.name);
    checkConflicts(store, input, rec.id);
    Object.assign(rec, input, { proxiable: isProxiable(input.type), modified_on: new Date().toISOString() });
    sendOk(res, recordJson(rec));
  };
  r.patch('/:recordId', update(true));
  r.put('/:recordId', update(false));

  r.delete('/:recordId', (req, res) => {
    const rec = getRecord(req.params['recordId']);
    store.dnsRecords.delete(rec.id);
    sendOk(res, { id: rec.id });
  });

  return r;
}
