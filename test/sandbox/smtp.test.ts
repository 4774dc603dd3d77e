// The sandbox SMTP server keeps what nodemailer sends, headers and body, for tests and people.

import nodemailer from 'nodemailer';
import type { Sandbox } from '../../sandbox';
import { raw, testSandbox } from './helpers';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(() => sandbox.close());

describe('sandbox SMTP', () => {
  test('keeps a message sent with nodemailer, with envelope recipients, headers, text and html', async () => {
    const transport = nodemailer.createTransport({ host: sandbox.smtpHost, port: sandbox.smtpPort, secure: false, auth: { user: 'u', pass: 'p' } });
    await transport.sendMail({
      from: 'Hostflow <noreply@hostflow.test>',
      to: 'customer@example.test',
      bcc: 'audit@hostflow.test',
      subject: 'Your server is ready — größer',
      text: 'Hello,\nyour VPS web-1 is ready.\n',
      html: '<p>Hello, your VPS <b>web-1</b> is ready.</p>',
      headers: { 'X-Hostflow-Instance': 'inst-42' },
    });
    transport.close();

    const [m] = sandbox.state().messages;
    expect(m).toMatchObject({
      from: 'Hostflow <noreply@hostflow.test>',
      to: ['customer@example.test', 'audit@hostflow.test'],
      subject: 'Your server is ready — größer',
      text: 'Hello,\nyour VPS web-1 is ready.\n',
      html: '<p>Hello, your VPS <b>web-1</b> is ready.</p>',
    });
    expect(m?.headers['x-hostflow-instance']).toBe('inst-42');
    expect(m?.headers['message-id']).toMatch(/^<.+>$/);
    expect(Date.parse(m?.date ?? '')).not.toBeNaN();

    const listed = await raw(`${sandbox.httpUrl}/__sandbox/messages`, 'GET', undefined, null);
    expect(listed.body).toEqual([expect.objectContaining({ subject: 'Your server is ready — größer' })]);
    const page = await fetch(`${sandbox.httpUrl}/__sandbox/mail`);
    expect(await page.text()).toContain('Your server is ready');
  });

  test('reset forgets messages', async () => {
    const transport = nodemailer.createTransport({ host: sandbox.smtpHost, port: sandbox.smtpPort, secure: false });
    await transport.sendMail({ from: 'a@hostflow.test', to: 'b@example.test', subject: 'x', text: 'y' });
    transport.close();
    expect(sandbox.state().messages.length).toBeGreaterThan(0);
    sandbox.reset();
    expect(sandbox.state().messages).toEqual([]);
  });
});
