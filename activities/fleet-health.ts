// The health monitor's activities (issue 16): the sweep that checks every instance that should be
// up and counts failures in instance_health, and the outbox that tells an entity only when its
// health changed. The lead wires this factory into activities/index.ts.
import type { FleetActivities } from '../workflows/fleet-types';
import type { ActivityDeps } from './deps';
import { deliverHealthChanges } from './fleet-health-outbox';
import { checkFleetHealth } from './fleet-health-sweep';

export type FleetHealthDeps = Pick<ActivityDeps, 'db' | 'hetzner' | 'fleet' | 'domain'>;

export function createFleetHealthActivities(deps: FleetHealthDeps): Pick<FleetActivities, 'checkFleetHealth' | 'deliverHealthChanges'> {
  return {
    checkFleetHealth: (input) => checkFleetHealth(deps, input),
    deliverHealthChanges: () => deliverHealthChanges(deps),
  };
}
