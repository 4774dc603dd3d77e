// Customer e-mail over SMTP (nodemailer), once per (instance, operation, kind).
import { eq } from 'drizzle-orm';
import { locationsToTry, type Catalog } from '../config/catalog';
import { instances } from '../schema/tables';
import { instanceUrl } from '../workflows/ids';
import { claimDelivery, deliveryKey, markDelivered, markDeliveryFailed } from './deliveries';
import type { ActivityDeps } from './deps';
import { renderEmail, type EmailKind } from './email-templates';
import { classify, ProviderError } from './errors';

/** The region's first choice, when the server is not there (createServer fell back). */
function fellBack(catalog: Catalog, region: string, location: string | null): { fellBackFrom?: string } {
  const [first] = locationsToTry(catalog, region);
  return first && location && location !== first ? { fellBackFrom: first } : {};
}

export type EmailDeps = Pick<ActivityDeps, 'db' | 'mail' | 'domain' | 'catalog'>;

export function createEmailActivities(deps: EmailDeps) {
  return {
    async sendEmail(input: { instanceId: string; operationId: string; kind: EmailKind }): Promise<'sent' | 'already sent'> {
      const key = { instanceId: input.instanceId, operationId: input.operationId, kind: `email:${input.kind}` };
      // The address is read here, not passed in: customer contact data stays out of workflow histories.
      // Read alongside the claim (one round trip of waiting, not two); unused when it went out already.
      const [owed, [instance]] = await Promise.all([claimDelivery(deps.db, key), deps.db.select().from(instances).where(eq(instances.id, input.instanceId))]);
      if (!owed) return 'already sent';
      if (!instance) throw new Error(`instance ${input.instanceId} is not in the read model`);
      const { subject, text } = renderEmail(input.kind, {
        subdomain: instance.subdomain,
        url: instanceUrl(instance.subdomain, deps.domain),
        plan: instance.plan,
        ipAddress: instance.ipAddress,
        location: instance.location,
        ...fellBack(deps.catalog, instance.region, instance.location),
        graceUntil: instance.graceUntil,
      });
      try {
        await deps.mail.transport.sendMail({
          from: deps.mail.from,
          to: instance.email,
          subject,
          text,
          messageId: `<${deliveryKey(key).replace(/:/g, '.')}@hostflow>`,
          headers: { 'X-Hostflow-Instance': input.instanceId, 'X-Hostflow-Operation': input.operationId },
        });
      } catch (error) {
        const e = error as { responseCode?: number; code?: string; message?: string };
        await markDeliveryFailed(deps.db, key, e.message ?? String(error));
        // 5xx SMTP replies are permanent (bad address…); connection problems and 4xx are worth retrying.
        const status = e.responseCode && e.responseCode >= 500 ? 400 : 503;
        // SMTP replies often quote the recipient; a failure message is stored unencrypted (config/data-converter.ts).
        const reply = (e.message ?? 'send failed').split(instance.email).join('<customer address>');
        throw classify(new ProviderError('SMTP', status, e.code ?? `smtp_${e.responseCode ?? 'error'}`, reply), `send ${input.kind} e-mail for instance ${input.instanceId}`);
      }
      await markDelivered(deps.db, key);
      return 'sent';
    },
  };
}
