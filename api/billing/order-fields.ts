// The instance a Paddle / Stripe activation orders, from the subscription's custom_data (Paddle) or
// metadata (Stripe): plan, region, hostname and email, checked as POST /api/instances checks them.
// Anything missing or wrong refuses the order with every reason at once (README "Order fields").
import { z } from 'zod';
import type { ApiConfig } from '../../config/api-config';
import type { InstanceOrder } from '../create-instance';
import { HOSTNAME_PATTERN, PlanName, RegionName } from '../schemas';
import type { ProviderSource, RawOrder } from './provider-event';

const OrderFields = z.object({
  plan: PlanName,
  region: RegionName,
  hostname: z.string().regex(HOSTNAME_PATTERN, 'expected 3–30 of a-z, 0-9 and -'),
  email: z.email(),
});

export type OrderCheck = { ok: true; order: InstanceOrder } | { ok: false; reason: string };

export function orderFromEvent(source: ProviderSource, subscriptionId: string, raw: RawOrder, config: Pick<ApiConfig, 'reservedHostnames'>): OrderCheck {
  const parsed = OrderFields.safeParse(raw.fields);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'custom data'}: ${issue.input === undefined ? 'missing' : issue.message}`);
    return { ok: false, reason: `order fields refused (${problems.join('; ')})` };
  }
  const fields = parsed.data;
  if (config.reservedHostnames.includes(fields.hostname)) return { ok: false, reason: `order fields refused (hostname: ${fields.hostname} is reserved)` };
  return {
    ok: true,
    order: {
      reference: { source, ref: subscriptionId },
      ...(raw.customer ? { customer: raw.customer } : {}),
      email: fields.email,
      plan: fields.plan,
      region: fields.region,
      subdomain: fields.hostname,
      sshKeys: [],
    },
  };
}
