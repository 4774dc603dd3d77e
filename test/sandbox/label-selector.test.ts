// Hetzner label selector semantics, checked against a direct reading of the labels.

import fc from 'fast-check';
import { compileLabelSelector } from '../../sandbox/hetzner/label-selector';

const key = fc.constantFrom('env', 'tier', 'hostflow.io/instance');
const value = fc.constantFrom('a', 'b', 'prod', '');
const labels = fc.dictionary(key, value);

describe('label selector', () => {
  test('k=v, k!=v, k, !k, in and notin agree with reading the labels directly', () => {
    fc.assert(
      fc.property(labels, key, value, value, (l, k, v, w) => {
        const has = k in l;
        expect(compileLabelSelector(`${k}=${v}`)(l)).toBe(has && l[k] === v);
        expect(compileLabelSelector(`${k}==${v}`)(l)).toBe(has && l[k] === v);
        expect(compileLabelSelector(`${k}!=${v}`)(l)).toBe(l[k] !== v);
        expect(compileLabelSelector(k)(l)).toBe(has);
        expect(compileLabelSelector(`!${k}`)(l)).toBe(!has);
        expect(compileLabelSelector(`${k} in (${v},${w})`)(l)).toBe(has && (l[k] === v || l[k] === w));
        expect(compileLabelSelector(`${k} notin (${v},${w})`)(l)).toBe(!has || (l[k] !== v && l[k] !== w));
      }),
    );
  });

  test('a comma joins terms that must all hold, also after an in-list', () => {
    const match = compileLabelSelector('env in (a,b), tier!=prod,!gone');
    expect(match({ env: 'b', tier: 'x' })).toBe(true);
    expect(match({ env: 'b', tier: 'prod' })).toBe(false);
    expect(match({ env: 'b', gone: '' })).toBe(false);
  });

  test.each(['env in (a', 'env)', '=a', 'bad key=1', ''])('refuses malformed selector %p', (s) => {
    expect(() => compileLabelSelector(s)).toThrow();
  });
});
