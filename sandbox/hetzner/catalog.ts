// Static Hetzner catalog: server types, locations, datacenters and system images, in the JSON
// shapes the real API returns (hcloud-js and hcloud-go both read nested fields unconditionally).

export interface ServerTypeSpec {
  id: number;
  name: string;
  cores: number;
  memory: number;
  disk: number;
  cpuType: 'shared' | 'dedicated';
  monthlyNet: number;
}

export const SERVER_TYPES: ServerTypeSpec[] = [
  { id: 22, name: 'cpx11', cores: 2, memory: 2, disk: 40, cpuType: 'shared', monthlyNet: 4.35 },
  { id: 104, name: 'cx23', cores: 2, memory: 4, disk: 40, cpuType: 'shared', monthlyNet: 3.49 },
  { id: 108, name: 'cpx22', cores: 2, memory: 4, disk: 80, cpuType: 'shared', monthlyNet: 7.99 },
  { id: 109, name: 'cpx32', cores: 4, memory: 8, disk: 160, cpuType: 'shared', monthlyNet: 13.99 },
  { id: 110, name: 'cpx42', cores: 8, memory: 16, disk: 320, cpuType: 'shared', monthlyNet: 25.49 },
];

export interface LocationSpec {
  id: number;
  name: string;
  description: string;
  country: string;
  city: string;
  latitude: number;
  longitude: number;
  networkZone: string;
  datacenter: { id: number; name: string; description: string };
}

export const LOCATIONS: LocationSpec[] = [
  loc(1, 'fsn1', 'Falkenstein DC Park 1', 'DE', 'Falkenstein', 50.47612, 12.370071, 'eu-central', 4, 'fsn1-dc14'),
  loc(2, 'nbg1', 'Nuremberg DC Park 1', 'DE', 'Nuremberg', 49.452102, 11.076665, 'eu-central', 2, 'nbg1-dc3'),
  loc(3, 'hel1', 'Helsinki DC Park 1', 'FI', 'Helsinki', 60.169855, 24.938379, 'eu-central', 3, 'hel1-dc2'),
  loc(4, 'ash', 'Ashburn, VA', 'US', 'Ashburn, VA', 39.043757, -77.487442, 'us-east', 5, 'ash-dc1'),
  loc(5, 'hil', 'Hillsboro, OR', 'US', 'Hillsboro, OR', 45.54222, -122.951924, 'us-west', 6, 'hil-dc1'),
  loc(6, 'sin', 'Singapore', 'SG', 'Singapore', 1.283333, 103.833333, 'ap-southeast', 7, 'sin-dc1'),
];

function loc(
  id: number, name: string, description: string, country: string, city: string,
  latitude: number, longitude: number, networkZone: string, dcId: number, dcName: string,
): LocationSpec {
  const dc = { id: dcId, name: dcName, description: `${city} ${dcName.split('-')[1]?.toUpperCase() ?? ''}`.trim() };
  return { id, name, description, country, city, latitude, longitude, networkZone, datacenter: dc };
}

export interface SystemImageSpec {
  id: number;
  name: string;
  description: string;
  osFlavor: string;
  osVersion: string;
  created: string;
}

export const SYSTEM_IMAGES: SystemImageSpec[] = [
  { id: 161547269, name: 'ubuntu-24.04', description: 'Ubuntu 24.04', osFlavor: 'ubuntu', osVersion: '24.04', created: '2024-04-25T12:00:00+00:00' },
  { id: 67794396, name: 'ubuntu-22.04', description: 'Ubuntu 22.04', osFlavor: 'ubuntu', osVersion: '22.04', created: '2022-04-21T12:00:00+00:00' },
  { id: 114690387, name: 'debian-12', description: 'Debian 12', osFlavor: 'debian', osVersion: '12', created: '2023-06-13T12:00:00+00:00' },
];

/** Resolve an IDOrName as clients send it: a number, a numeric string, or a name. */
export function findBy<T extends { id: number; name: string }>(list: T[], ref: unknown): T | undefined {
  if (typeof ref === 'number') return list.find((x) => x.id === ref);
  if (typeof ref === 'string') {
    return list.find((x) => x.name === ref) ?? (/^\d+$/.test(ref) ? list.find((x) => x.id === Number(ref)) : undefined);
  }
  return undefined;
}

export function findLocation(ref: unknown): LocationSpec | undefined {
  return findBy(LOCATIONS, ref) ?? LOCATIONS.find((l) => l.datacenter.name === ref || l.datacenter.id === ref);
}

function price(net: number) {
  return { net: net.toFixed(4), gross: (net * 1.19).toFixed(4) };
}

export function locationJson(l: LocationSpec) {
  return {
    id: l.id,
    name: l.name,
    description: l.description,
    country: l.country,
    city: l.city,
    latitude: l.latitude,
    longitude: l.longitude,
    network_zone: l.networkZone,
  };
}

export function datacenterJson(l: LocationSpec) {
  const ids = SERVER_TYPES.map((t) => t.id);
  return {
    id: l.datacenter.id,
    name: l.datacenter.name,
    description: l.datacenter.description,
    location: locationJson(l),
    server_types: { supported: ids, available: ids, available_for_migration: ids },
  };
}

export function serverTypeJson(t: ServerTypeSpec) {
  return {
    id: t.id,
    name: t.name,
    description: t.name.toUpperCase(),
    category: 'regular_purpose',
    cores: t.cores,
    memory: t.memory,
    disk: t.disk,
    storage_type: 'local',
    cpu_type: t.cpuType,
    architecture: 'x86',
    deprecated: false,
    deprecation: null,
    included_traffic: 21990232555520,
    prices: LOCATIONS.map((l) => ({
      location: l.name,
      price_hourly: price(t.monthlyNet / 730),
      price_monthly: price(t.monthlyNet),
      included_traffic: 21990232555520,
      price_per_tb_traffic: price(1),
    })),
    locations: LOCATIONS.map((l) => ({ id: l.id, name: l.name, deprecation: null })),
  };
}

export function systemImageJson(i: SystemImageSpec) {
  return {
    id: i.id,
    type: 'system',
    status: 'available',
    name: i.name,
    description: i.description,
    image_size: null,
    disk_size: 5,
    created: i.created,
    created_from: null,
    bound_to: null,
    os_flavor: i.osFlavor,
    os_version: i.osVersion,
    architecture: 'x86',
    rapid_deploy: true,
    protection: { delete: false },
    deprecated: null,
    deprecation: null,
    deleted: null,
    labels: {},
  };
}
