// /v1/ssh_keys: create, list (name, fingerprint, label_selector, sort, pagination), get, update,
// delete. Names and keys (by fingerprint) are unique per project: a second one is 409
// uniqueness_error, which is how an idempotent client learns to look the key up instead.

import { Router } from 'express';
import type { SshKeyRecord } from '../store';
import type { HetznerContext } from './context';
import { HetznerError, invalidInput, notFound } from './errors';
import { labelSelectorFilter } from './label-selector';
import { listParam, paginate, sortBy } from './pagination';
import { sshKeyJson } from './render';
import { parsePublicKey } from './ssh-public-key';
import { bodyOf, checkLabels } from './validation';

function checkKeyName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw invalidInput('name', 'is required');
  return name;
}

function nameTaken(ctx: HetznerContext, name: string, except?: number): boolean {
  return [...ctx.store.sshKeys.values()].some((k) => k.id !== except && k.name === name);
}

function uniqueness(field: string, message: string): HetznerError {
  return new HetznerError('uniqueness_error', message, { fields: [{ name: field }] });
}

function getKey(ctx: HetznerContext, rawId: string | undefined): SshKeyRecord {
  const key = ctx.store.sshKeys.get(Number(rawId));
  if (!key) throw notFound('SSH key');
  return key;
}

/** Resolve the `ssh_keys` of a server create: ids (numbers or numeric strings) or names. */
export function resolveSshKeys(ctx: HetznerContext, refs: unknown): number[] {
  if (refs === undefined || refs === null) return [];
  if (!Array.isArray(refs)) throw invalidInput('ssh_keys', 'must be an array of SSH key IDs or names');
  const keys = [...ctx.store.sshKeys.values()];
  const ids = refs.map((ref) => {
    const key =
      typeof ref === 'number'
        ? ctx.store.sshKeys.get(ref)
        : typeof ref === 'string'
          ? (keys.find((k) => k.name === ref) ?? (/^\d+$/.test(ref) ? ctx.store.sshKeys.get(Number(ref)) : undefined))
          : undefined;
    if (!key) throw invalidInput('ssh_keys', `SSH key '${String(ref)}' not found`);
    return key.id;
  });
  return [...new Set(ids)];
}

export function sshKeysRouter(ctx: HetznerContext): Router {
  const r = Router();

  r.post('/ssh_keys', (req, res) => {
    const body = bodyOf(req.body);
    const name = checkKeyName(body['name']);
    const parsed = parsePublicKey(body['public_key']);
    if (typeof parsed === 'string') throw invalidInput('public_key', parsed);
    const labels = checkLabels(body['labels']);
    const keys = [...ctx.store.sshKeys.values()];
    if (keys.some((k) => k.fingerprint === parsed.fingerprint)) throw uniqueness('public_key', 'SSH key with the same fingerprint already exists');
    if (nameTaken(ctx, name)) throw uniqueness('name', 'SSH key with the same name already exists');
    const key: SshKeyRecord = {
      id: ctx.store.sshKeyId(),
      name,
      fingerprint: parsed.fingerprint,
      publicKey: String(body['public_key']).trim(),
      labels,
      created: new Date().toISOString(),
    };
    ctx.store.sshKeys.set(key.id, key);
    res.status(201).json({ ssh_key: sshKeyJson(key) });
  });

  r.get('/ssh_keys', (req, res) => {
    const query = req.query as Record<string, unknown>;
    const name = listParam(query['name'])[0];
    const fingerprint = listParam(query['fingerprint'])[0];
    const matches = labelSelectorFilter(listParam(query['label_selector'])[0]);
    const keys = [...ctx.store.sshKeys.values()].filter(
      (k) => (name === undefined || k.name === name) && (fingerprint === undefined || k.fingerprint === fingerprint) && matches(k.labels),
    );
    const page = paginate(sortBy(keys, query['sort'], { id: (k) => k.id, name: (k) => k.name }), query);
    res.json({ ssh_keys: page.items.map(sshKeyJson), meta: page.meta });
  });

  r.get('/ssh_keys/:id', (req, res) => {
    res.json({ ssh_key: sshKeyJson(getKey(ctx, req.params.id)) });
  });

  r.put('/ssh_keys/:id', (req, res) => {
    const key = getKey(ctx, req.params.id);
    const body = bodyOf(req.body);
    if (body['name'] !== undefined) {
      const name = checkKeyName(body['name']);
      if (nameTaken(ctx, name, key.id)) throw uniqueness('name', 'SSH key with the same name already exists');
      key.name = name;
    }
    if (body['labels'] !== undefined) key.labels = checkLabels(body['labels']);
    res.json({ ssh_key: sshKeyJson(key) });
  });

  // Servers keep the keys they were created with; deleting a stored key does not touch them.
  r.delete('/ssh_keys/:id', (req, res) => {
    const key = getKey(ctx, req.params.id);
    ctx.store.sshKeys.delete(key.id);
    res.status(204).end();
  });

  return r;
}
