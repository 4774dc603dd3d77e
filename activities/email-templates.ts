// What the customer is told at each step. Plain text: it reads well in every client.
export type EmailKind = 'welcome' | 'suspended' | 'unsuspended' | 'terminated';

export interface EmailFacts {
  subdomain: string;
  url: string;
  plan: string;
  ipAddress: string | null;
}

export function renderEmail(kind: EmailKind, facts: EmailFacts): { subject: string; text: string } {
  switch (kind) {
    case 'welcome':
      return {
        subject: `Your OpenClaw gateway ${facts.subdomain} is ready`,
        text: `Hello,\n\nyour OpenClaw gateway is up and running.\n\n  Address: ${facts.url}\n  IP:      ${facts.ipAddress ?? 'pending'}\n  Plan:    ${facts.plan}\n\nThank you for choosing us.\n`,
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
  }
}
