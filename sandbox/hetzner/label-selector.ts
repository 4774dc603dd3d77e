// Hetzner label selectors: comma-separated terms, all of which must hold.
// Terms: k=v, k==v, k!=v, k, !k, k in (a,b), k notin (a,b).

import { HetznerError } from './errors';

type Labels = Record<string, string>;
type Term = (labels: Labels) => boolean;

export class LabelSelectorError extends Error {}

const KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/;
// What a label value may be (empty, or up to 63 of these starting and ending alphanumeric): the API
// parses values by the same rule, so a space or a quote in a selector is refused, not matched.
const VALUE = /^([A-Za-z0-9]([-_.A-Za-z0-9]{0,61}[A-Za-z0-9])?)?$/;

function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth < 0) throw new LabelSelectorError(`unbalanced ')' in '${selector}'`);
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (depth !== 0) throw new LabelSelectorError(`unbalanced '(' in '${selector}'`);
  parts.push(cur);
  return parts.map((p) => p.trim());
}

function key(k: string): string {
  const t = k.trim();
  if (!KEY.test(t)) throw new LabelSelectorError(`invalid label key '${t}'`);
  return t;
}

function value(v: string): string {
  const t = v.trim();
  if (!VALUE.test(t)) throw new LabelSelectorError(`invalid label value '${t}'`);
  return t;
}

function parseTerm(term: string): Term {
  if (term === '') throw new LabelSelectorError('empty term');
  const set = term.match(/^(\S+)\s+(in|notin)\s*\((.*)\)$/);
  if (set) {
    const k = key(set[1] ?? '');
    const values = new Set((set[3] ?? '').split(',').map(value));
    return set[2] === 'in'
      ? (l) => k in l && values.has(l[k] ?? '')
      : (l) => !(k in l) || !values.has(l[k] ?? '');
  }
  const neq = term.match(/^([^=!]+)!=(.*)$/);
  if (neq) {
    const k = key(neq[1] ?? '');
    const v = value(neq[2] ?? '');
    return (l) => l[k] !== v;
  }
  const eq = term.match(/^([^=!]+)==?(.*)$/);
  if (eq) {
    const k = key(eq[1] ?? '');
    const v = value(eq[2] ?? '');
    return (l) => k in l && l[k] === v;
  }
  if (term.startsWith('!')) {
    const k = key(term.slice(1));
    return (l) => !(k in l);
  }
  const k = key(term);
  return (l) => k in l;
}

/** Compile a selector; throws LabelSelectorError on syntax the real API would refuse. */
export function compileLabelSelector(selector: string): (labels: Labels) => boolean {
  const terms = splitTopLevel(selector).map(parseTerm);
  return (labels) => terms.every((t) => t(labels));
}

/** The `label_selector` query parameter as a filter; invalid syntax is the API's invalid_input. */
export function labelSelectorFilter(value: string | undefined): (labels: Labels) => boolean {
  if (value === undefined) return () => true;
  try {
    return compileLabelSelector(value);
  } catch (e) {
    // The API names the selector in the message ("invalid label_selector: expected comma at pos 75").
    if (e instanceof LabelSelectorError) {
      throw new HetznerError('invalid_input', `invalid label_selector: ${e.message}`, { fields: [{ name: 'label_selector', messages: [e.message] }] });
    }
    throw e;
  }
}
