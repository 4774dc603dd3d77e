// The health URL template: every placeholder filled from the read model's row.
import { healthUrl } from '../../activities/fleet-health-check';

describe('healthUrl', () => {
  const target = { instanceId: 'i-1', subdomain: 'acme', ipAddress: '203.0.113.7', serverId: 4711 };

  it('fills {fqdn}, {subdomain}, {ip}, {serverId} and {instanceId}', () => {
    expect(healthUrl('https://{fqdn}/healthz', target, 'example.com')).toBe('https://acme.example.com/healthz');
    expect(healthUrl('http://{ip}:8080/h?s={subdomain}&id={serverId}&i={instanceId}', target, 'example.com')).toBe('http://203.0.113.7:8080/h?s=acme&id=4711&i=i-1');
  });

  it('leaves {ip} and {serverId} empty when the instance has none yet', () => {
    expect(healthUrl('http://{ip}/{serverId}', { ...target, ipAddress: null, serverId: null }, 'example.com')).toBe('http:///');
  });
});
