// What the customer is told at each step. Plain text: it reads well in every client.
// A root password is never rendered here: it goes out from the activity that got it (root-password-email.ts).
export type EmailKind = 'welcome' | 'suspended' | 'unsuspended' | 'terminated' | 'rebuilt' | 'snapshot_created';

export interface EmailFacts {
  subdomain: string;
  url: string;
  plan: string;
  ipAddress: string | null;
  /** The Hetzner location the server is in. */
  location?: string | null;
  /** The region's first-choice location, when the server had to go elsewhere (no capacity there). */
  fellBackFrom?: string;
}

function placement(facts: EmailFacts): string {
  if (!facts.fellBackFrom || !facts.location) return '';
  return `\nNote: our provider had no capacity in ${facts.fellBackFrom} when your server was created, so it runs in ${facts.location}, the nearest location that had.\n`;
}

export function renderEmail(kind: EmailKind, facts: EmailFacts): { subject: string; text: string } {
  switch (kind) {
    case 'welcome':
      return {
        subject: `Your OpenClaw gateway ${facts.subdomain} is ready`,
        text: `Hello,\n\nyour OpenClaw gateway is up and running.\n\n  Address: ${facts.url}\n  IP:      ${facts.ipAddress ?? 'pending'}\n  Plan:    ${facts.plan}\n${placement(facts)}\nThank you for choosing us.\n`,
      };
    case 'suspended':
      return {
        subject: `Your OpenClaw gateway ${facts.subdomain} is suspended`,
        text: `Hello,\n\nyour OpenClaw gateway ${facts.url} has been suspended. Your data is kept; it comes back as soon as the service is reactivated.\n`,
      };
    case 'unsuspended':
      return {
        subject: `Your OpenClaw gateway ${facts.subdomain} is back online`,
        text: `Hello,\n\nyour OpenClaw gateway ${facts.url} is running again.\n`,
      };
    case 'terminated':
      return {
        subject: `Your OpenClaw gateway ${facts.subdomain} has been removed`,
        text: `Hello,\n\nyour OpenClaw gateway ${facts.url} and its server have been deleted.\n`,
      };
    case 'rebuilt':
      return {
        subject: `Your OpenClaw gateway ${facts.subdomain} has been reinstalled`,
        text: `Hello,\n\nyour server was reinstalled and your OpenClaw gateway ${facts.url} set up afresh (same address, IP ${facts.ipAddress ?? 'unknown'}).\n`,
      };
    case 'snapshot_created':
      return {
        subject: `Snapshot of your OpenClaw gateway ${facts.subdomain} taken`,
        text: `Hello,\n\na snapshot of your server ${facts.url} has been taken. You can restore it with a rebuild.\n`,
      };
  }
}
