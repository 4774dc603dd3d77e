// The one place a root password goes: the customer's e-mail, straight from the activity that got
// it from Hetzner. It is never returned, logged, stored or put in a failure message; the delivery
// row (deliveries.ts) keys it by (operation, Hetzner action), so a retry that resumes the same
// action sends nothing twice, and a retry that had to ask for a new password sends the new one.
import { eq } from 'drizzle-orm';
import { instances } from '../schema/tables';
import { instanceUrl } from '../workflows/ids';
import { claimDelivery, deliveryKey, markDelivered, markDeliveryFailed } from './deliveries';
import type { ActivityDeps } from './deps';
import { classify, ProviderError } from './errors';

export type RootPasswordMailDeps = Pick<ActivityDeps, 'db' | 'mail' | 'domain'>;

export type PasswordReason = 'rebuild' | 'reset_password';

const WHY: Record<PasswordReason, string> = {
  rebuild: 'your server was reinstalled, which set a new root password',
  reset_password: 'a reset of the root password was requested for your server',
};

export async function mailRootPassword(
  deps: RootPasswordMailDeps,
  input: { instanceId: string; operationId: string; actionId: number; reason: PasswordReason; password: string },
): Promise<'sent' | 'already sent'> {
  const key = { instanceId: input.instanceId, operationId: input.operationId, kind: `email:root_password:${input.actionId}` };
  if (!(await claimDelivery(deps.db, key))) return 'already sent';
  const [instance] = await deps.db.select().from(instances).where(eq(instances.id, input.instanceId));
  if (!instance) throw new Error(`instance ${input.instanceId} is not in the read model`);
  const url = instanceUrl(instance.subdomain, deps.domain);
  try {
    await deps.mail.transport.sendMail({
      from: deps.mail.from,
      to: instance.email,
      subject: `New root password for your OpenClaw gateway ${instance.subdomain}`,
      text:
        `Hello,\n\n${WHY[input.reason]} (${url}, IP ${instance.ipAddress ?? 'unknown'}).\n\n` +
        `  User:     root\n  Password: ${input.password}\n\n` +
        'Log in and change it (passwd), or better, use SSH keys. We do not keep a copy of this password.\n',
      messageId: `<${deliveryKey(key).replace(/:/g, '.')}@hostflow>`,
      headers: { 'X-Hostflow-Instance': input.instanceId, 'X-Hostflow-Operation': input.operationId },
    });
  } catch (error) {
    const e = error as { responseCode?: number; code?: string; message?: string };
    // SMTP replies may quote the recipient, never the body; still, keep only the reply text.
    const reply = (e.message ?? 'send failed').split(instance.email).join('<customer address>').split(input.password).join('<password>');
    await markDeliveryFailed(deps.db, key, reply);
    const status = e.responseCode && e.responseCode >= 500 ? 400 : 503;
    throw classify(new ProviderError('SMTP', status, e.code ?? `smtp_${e.responseCode ?? 'error'}`, reply), `send the root password e-mail for instance ${input.instanceId}`);
  }
  await markDelivered(deps.db, key);
  return 'sent';
}
