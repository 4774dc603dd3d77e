// Wire fidelity of the record attributes Hostflow relies on for ownership: a Free-plan zone keeps a
// comment of up to 100 characters and refuses tags, with Cloudflare's own error codes, so nothing
// that works against the sandbox fails against a real Free or Pro zone.
import Cloudflare from 'cloudflare';
import type { Sandbox } from '../../sandbox';
import { CloudflareDns } from '../../activities/cloudflare-client';
import { isOwnedBy, ownershipComment, ownerOf } from '../../activities/dns-ownership';
import { CLOUDFLARE_TOKEN, raw, testSandbox } from '../sandbox/helpers';

let sandbox: Sandbox;
let records: string;

beforeAll(async () => {
  sandbox = await testSandbox();
  records = `${sandbox.cloudflareUrl}/zones/${sandbox.cloudflareZoneId}/dns_records`;
});
afterEach(() => sandbox.reset());
afterAll(() => sandbox.close());

const INSTANCE = '0b7d1c9e-2f4e-4c59-9f44-1d2a3b4c5d6e';

describe('DNS record comment and tags (Free plan)', () => {
  it('keeps a 100-character comment and refuses 101 with 9313', async () => {
    const ok = await raw(records, 'POST', { type: 'A', name: 'c100', content: '203.0.113.1', comment: 'x'.repeat(100) }, CLOUDFLARE_TOKEN);
    expect(ok.body.result.comment).toBe('x'.repeat(100));
    const refused = await raw(records, 'POST', { type: 'A', name: 'c101', content: '203.0.113.1', comment: 'x'.repeat(101) }, CLOUDFLARE_TOKEN);
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ code: 9313, message: 'DNS record comment exceeds the maximum length of 100 characters.' }]);
  });

  it('refuses tags: 1004 with the quota in the error chain', async () => {
    const refused = await raw(records, 'POST', { type: 'A', name: 'tagged', content: '203.0.113.1', tags: ['owner:hostflow'] }, CLOUDFLARE_TOKEN);
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      { code: 1004, message: 'DNS Validation Error', error_chain: [{ code: 9300, message: 'DNS record has 1 tags, exceeding the quota of 0.' }] },
    ]);
  });

  it('round-trips the ownership marker through the official client', async () => {
    const dns = new CloudflareDns({ token: CLOUDFLARE_TOKEN, zoneId: sandbox.cloudflareZoneId, url: sandbox.cloudflareUrl });
    const name = `box.${sandbox.cloudflareZoneName}`;
    await dns.createARecord(name, '203.0.113.9', ownershipComment(INSTANCE));
    const cf = new Cloudflare({ apiToken: CLOUDFLARE_TOKEN, baseURL: sandbox.cloudflareUrl, maxRetries: 0 });
    await cf.dns.records.create({ zone_id: sandbox.cloudflareZoneId, type: 'TXT', name, content: 'v=spf1 -all', ttl: 60 });
    const found = await dns.findRecords(name);
    expect(found.map((r) => [r.type, ownerOf(r)])).toEqual(expect.arrayContaining([['A', INSTANCE], ['TXT', undefined]]));
    expect(ownershipComment(INSTANCE).length).toBeLessThanOrEqual(100);
  });

  it('reads only exact markers as ownership', () => {
    expect(isOwnedBy({ comment: `hostflow:instance=${INSTANCE}` }, INSTANCE)).toBe(true);
    expect(isOwnedBy({ comment: `hostflow instance ${INSTANCE}` }, INSTANCE)).toBe(true);
    for (const comment of [null, '', `hostflow:instance=${INSTANCE} `, `x hostflow:instance=${INSTANCE}`, `hostflow:instance=${INSTANCE.toUpperCase()}`, 'hostflow:instance=other']) {
      expect(isOwnedBy({ comment }, INSTANCE)).toBe(false);
    }
  });
});
