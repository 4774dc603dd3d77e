// Which findings one sweep hands to its workflow: new episodes first (each is alerted once), then
// open ones whose action still repairs something (a record to fix, an orphan now past its grace),
// at most a page. A new finding left off the page opens no episode, so the next sweep still sees
// it as new and alerts it then. Pure: the episode book is passed in.
import type { DriftAction, DriftFinding } from '../workflows/fleet-types';
import type { Observed } from './drift-compare';

/** Actions the workflow carries out again while the episode stays open (the others only tell someone, once). */
const REPEATED_ACTIONS: ReadonlySet<DriftAction> = new Set(['repair_dns', 'delete_orphan']);

/** A finding on the page, before its episode id is known (a new one's row is written after). */
export type Selected = Omit<DriftFinding, 'episodeId'>;

export interface Selection {
  findings: Selected[];
  /** The new findings on the page: their episodes open now. */
  toOpen: Observed[];
  truncated: boolean;
}

/**
 * `openEpisodes` maps each open key to the sweep that opened it: a key this same sweep opened is
 * still new when the sweep runs again (a retried activity returns what the first attempt did).
 */
export function selectFindings(observed: Observed[], openEpisodes: ReadonlyMap<string, string | undefined>, sweepId: string, max: number): Selection {
  const isNew = (f: Observed) => !openEpisodes.has(f.key) || openEpisodes.get(f.key) === sweepId;
  const fresh: Selected[] = observed.filter(isNew).map((f) => ({ ...f, isNew: true }));
  const repeated: Selected[] = observed.filter((f) => !isNew(f) && REPEATED_ACTIONS.has(f.action)).map((f) => ({ ...f, isNew: false }));
  const actionable = [...fresh, ...repeated];
  const findings = actionable.slice(0, Math.max(0, max));
  const onPage = new Set(findings.filter((f) => f.isNew).map((f) => f.key));
  return { findings, toOpen: observed.filter((f) => onPage.has(f.key)), truncated: actionable.length > findings.length };
}
