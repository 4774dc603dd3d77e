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
  image: string;
}

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
  image: 'ubuntu-24.04',
};
