// SMTP that accepts every message and keeps it for inspection. No STARTTLS: nodemailer would
// upgrade to it and then refuse the self-signed certificate. Any AUTH is accepted.

import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { parseMail } from './mail-parse';
import type { Store } from './store';
import type { SandboxLogger } from './types';

export interface SmtpHandle {
  port: number;
  close(): Promise<void>;
}

export async function startSmtp(store: Store, host: string, port: number, logger: SandboxLogger): Promise<SmtpHandle> {
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    // No reverse DNS of the (loopback) client: on a machine without a resolver it stalls every message.
    disableReverseLookup: true,
    authOptional: true,
    allowInsecureAuth: true,
    banner: 'Hostflow sandbox SMTP',
    logger: false,
    // A pooled client left connected must not hold close() (and jest) for the default 30 s.
    closeTimeout: 500,
    onAuth(_auth, _session, cb) {
      cb(null, { user: 'sandbox' });
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const mail = parseMail(raw);
        const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        store.messages.push({
          from: mail.headers['from'] ?? envelopeFrom,
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: mail.headers['subject'] ?? '',
          text: mail.text,
          html: mail.html,
          headers: mail.headers,
          date: new Date().toISOString(),
          raw_size: raw.length,
        });
        logger.info({ to: session.envelope.rcptTo.map((r) => r.address), subject: mail.headers['subject'] }, 'sandbox smtp: message stored');
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => logger.warn({ err }, 'sandbox smtp error'));
  const address = server.server.address() as AddressInfo;
  return {
    port: address.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
