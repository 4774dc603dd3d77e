// Which DNS records Hostflow may touch: only those it created for the instance at hand. Each one
// carries the comment `hostflow:instance=<instance id>` (comments exist on every Cloudflare plan;
// tags only on Business and Enterprise, so they cannot be the marker). Any other record with the
// instance's name — the operator's `www`, another tool's, another instance's — is foreign.

const MARKER = /^hostflow:instance=([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
// Written by Hostflow before the marker above; same meaning, so upgraded installs keep their records.
const LEGACY_MARKER = /^hostflow instance ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The comment a new record gets (54 characters: within the Free plan's 100). */
export function ownershipComment(instanceId: string): string {
  return `hostflow:instance=${instanceId}`;
}

/** The instance a record's comment names, or undefined when Hostflow did not create it. */
export function ownerOf(record: { comment: string | null }): string | undefined {
  if (record.comment === null) return undefined;
  return (MARKER.exec(record.comment) ?? LEGACY_MARKER.exec(record.comment))?.[1];
}

export function isOwnedBy(record: { comment: string | null }, instanceId: string): boolean {
  return ownerOf(record) === instanceId;
}
