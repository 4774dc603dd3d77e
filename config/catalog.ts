// Plans and regions a billing system may ask for, and what they mean at the provider.
// Names here are the API's vocabulary; Hetzner names stay behind the activities.

export const PLANS = ['starter', 'professional', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

export const REGIONS = ['us-east', 'us-west', 'eu-frankfurt', 'eu-helsinki', 'sg-singapore', 'jp-tokyo'] as const;
export type Region = (typeof REGIONS)[number];

export interface Catalog {
  /** plan → Hetzner server type (cpx21/31/41 were retired in October 2025). */
  serverTypes: Record<Plan, string>;
  /** region → Hetzner location. jp-tokyo has no Hetzner location: it falls back to nbg1. */
  locations: Record<Region, string>;
  /**
   * location → where a create goes next when Hetzner has no capacity there (`resource_unavailable`,
   * `placement_error`), in order: the nearest first. Europe stays in Europe (one network zone);
   * ash and hil back each other up across the US; sin has no neighbour. Missing or empty: no fallback.
   */
  fallbackLocations: Record<string, readonly string[]>;
  /** The image a new server boots. */
  image: string;
  /** System images a rebuild may install (besides the instance's own snapshots). */
  images: readonly string[];
  /** Plans that include Hetzner's automatic backups (Hetzner bills +20 % of the server price). */
  backups: Record<Plan, boolean>;
  /** Where inbound SSH (TCP 22) is allowed from, in the firewall and UFW (SSH_ALLOWED_CIDRS). */
  sshAllowedCidrs: readonly string[];
  /** How many on-demand snapshots an instance keeps; the oldest goes when a new one exceeds it (SNAPSHOT_RETENTION). */
  snapshotRetention: number;
}

export const DEFAULT_SSH_ALLOWED_CIDRS = ['0.0.0.0/0', '::/0'] as const;
export const DEFAULT_SNAPSHOT_RETENTION = 3;

export const DEFAULT_CATALOG: Catalog = {
  serverTypes: { starter: 'cpx22', professional: 'cpx32', enterprise: 'cpx42' },
  locations: {
    'us-east': 'ash',
    'us-west': 'hil',
    'eu-frankfurt': 'fsn1',
    'eu-helsinki': 'hel1',
    'sg-singapore': 'sin',
    'jp-tokyo': 'nbg1',
  },
  fallbackLocations: {
    fsn1: ['nbg1', 'hel1'],
    nbg1: ['fsn1', 'hel1'],
    hel1: ['fsn1', 'nbg1'],
    ash: ['hil'],
    hil: ['ash'],
    // Singapore is Hetzner's only location in its zone: no fallback.
    sin: [],
  },
  image: 'ubuntu-24.04',
  images: ['ubuntu-24.04', 'ubuntu-22.04', 'debian-12'],
  backups: { starter: false, professional: false, enterprise: true },
  sshAllowedCidrs: DEFAULT_SSH_ALLOWED_CIDRS,
  snapshotRetention: DEFAULT_SNAPSHOT_RETENTION,
};

/** The locations a create in `region` tries, first choice first. */
export function locationsToTry(catalog: Catalog, region: string): string[] {
  const first = catalog.locations[region as Region];
  if (!first) return [];
  return [first, ...(catalog.fallbackLocations[first] ?? []).filter((l) => l !== first)];
}
