// What the customer is told at each step. Plain text: it reads well in every client.
// A root password is never rendered here: it goes out from the activity that got it (root-password-email.ts).
// payment_failed and removal_scheduled (dunning, issue 17) name the grace deadline the entity
// recorded on the instance row just before it asked for the e-mail.
export type EmailKind = 'welcome' | 'suspended' | 'unsuspended' | 'terminated' | 'rebuilt' | 'snapshot_created' | 'payment_failed' | 'removal_scheduled';

export interface EmailFacts {
  subdomain: string;
  url: string;
  plan: string;
  ipAddress: string | null;
  /** The Hetzner location the server is in. */
  location?: string | null;
  /** The region's first-choice location, when the server had to go elsewhere (no capacity there). */
  fellBackFrom?: string;
  /** The running grace period's deadline (instances.grace_until). */
  graceUntil?: Date | null;
}

/** "Monday, 7 December 2026 (UTC)": a date the customer reads, not a timestamp. */
export function graceDate(graceUntil: Date | null | undefined): string {
  if (!graceUntil) return 'the end of the grace period';
  return `${graceUntil.toLocaleDateString('en-GB', { timeZone: 'UTC', dateStyle: 'full' })} (UTC)`;
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
    case 'payment_failed':
      return {
        subject: `Payment failed for your OpenClaw gateway ${facts.subdomain}`,
        text: `Hello,\n\nthe latest payment for your OpenClaw gateway ${facts.url} failed. Please update your payment method: unless the payment goes through, the gateway is suspended on ${graceDate(facts.graceUntil)}. Your data is kept.\n`,
      };
    case 'removal_scheduled':
      return {
        subject: `Your OpenClaw gateway ${facts.subdomain} will be removed`,
        text: `Hello,\n\nyour subscription has been cancelled, so your OpenClaw gateway ${facts.url} is suspended. Unless the subscription is reactivated, the gateway, its server and its data are removed on ${graceDate(facts.graceUntil)}.\n`,
      };
    case 'snapshot_created':
      return {
        subject: `Snapshot of your OpenClaw gateway ${facts.subdomain} taken`,
        text: `Hello,\n\na snapshot of your server ${facts.url} has been taken. You can restore it with a rebuild.\n`,
      };
  }
}
