// What an operator sees, in a real browser: after a provision and a suspend the provider refuses,
// the Temporal Web UI finds the instance by InstanceStatus = "attention", and its page shows the
// summary and the current details that say what broke and what to do — and no secret.
// Headless Chromium from Debian's package (.ci/run installs it), driven by playwright-core.
// Screenshots go to test/artifacts/ (git-ignored; CI keeps them).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { callbackToken } from '../../config/callback-token';
import { historyJson, instanceWorkflowIds } from '../support/histories';
import { eventually, startStack, TEST_API_SECRET, TEST_CALLBACK_SECRET, type Stack } from '../support/stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');

let stack: Stack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  [stack, browser] = await Promise.all([
    startStack(),
    chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    }),
  ]);
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function untilStatus(id: string, status: string): Promise<any> {
  return eventually(async () => {
    const body = (await stack.call('GET', `/api/instances/${id}`)).body;
    return body?.status === status ? body : undefined;
  }, { what: `instance ${id} to be ${status}`, timeoutMs: 30_000 });
}

/** The text of the page and of its frames (the UI renders summaries and details in sandboxed iframes). */
async function pageText(): Promise<string> {
  const texts = await Promise.all(page.frames().map((frame) => frame.locator('body').innerText({ timeout: 2_000 }).catch(() => '')));
  return texts.join('\n');
}

/** Wait until the page shows all of `wanted`; if it never does, keep a screenshot for the reader. */
async function shows(...wanted: (string | RegExp)[]): Promise<string> {
  try {
    return await eventually(async () => {
      const text = await pageText();
      return wanted.every((w) => (typeof w === 'string' ? text.includes(w) : w.test(text))) ? text : undefined;
    }, { what: `the page to show ${wanted.join(' and ')}`, timeoutMs: 20_000 });
  } catch (error) {
    await shot('failure');
    throw error;
  }
}

const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `web-ui-${name}.png`), fullPage: true });

describe('the Temporal Web UI, as an operator sees it', () => {
  it('finds an instance in attention by search attribute and shows its summary and current details', async () => {
    const ui = process.env.HOSTFLOW_TEST_WEB_UI;
    if (!ui) throw new Error('HOSTFLOW_TEST_WEB_UI is not set: the test dev server runs without its Web UI');
    const namespace = stack.temporal.namespace;

    const created = await stack.call('POST', '/api/instances', {
      whmcs_service_id: 9901,
      whmcs_client_id: 42,
      email: 'ops-ui@example.com',
      plan: 'professional',
      region: 'eu-frankfurt',
      hostname: 'acme-ui-42',
    });
    expect(created.status).toBe(202);
    const id: string = created.body.id;
    await untilStatus(id, 'running');
    stack.sandbox.setFaults([{ route: 'POST /v1/servers/:id/actions/shutdown', errorRate: 1, status: 403, code: 'forbidden', message: 'server is protected' }]);
    expect((await stack.call('POST', `/api/instances/${id}/suspend`, {})).status).toBe(202);
    await untilStatus(id, 'attention');
    const entity = `instance-${id}`;

    // Workflows page, filtered the way the runbook says: the query in the search box.
    await page.goto(`${ui}/namespaces/${namespace}/workflows`);
    // The `</>` button opens the raw query box: the same text as the CLI's --query.
    await page.getByTestId('toggle-manual-query').click();
    await page.getByTestId('manual-search-input').fill('InstanceStatus = "attention"');
    await page.getByTestId('manual-search-button').click();
    const row = page.getByRole('link', { name: entity, exact: true });
    await row.waitFor({ timeout: 20_000 });
    await shot('1-attention-list');

    await row.click();
    // Summary and current details live on the workflow's "User Metadata" tab (UI 2.42).
    await page.getByRole('link', { name: 'User Metadata' }).or(page.getByRole('tab', { name: 'User Metadata' })).first().click();
    const summary = 'Instance acme-ui-42 · professional · eu-frankfurt';
    const text = await shows(summary, 'Current Details', /NEEDS AN OPERATOR: suspend-2 failed/);
    await shot('2-instance-summary-and-details');
    // The details name the instance, the provider, its error code and what the operator can do.
    expect(text).toContain(`instance ${id}`);
    expect(text).toContain('Hetzner 403 forbidden');
    expect(text).toMatch(/[“"]retry[”"], [“"]skip[”"] or [“"]abort[”"]/);

    // Nothing secret anywhere an operator can look: the page, every history, memo and search attribute.
    const token = callbackToken(TEST_CALLBACK_SECRET, id);
    const secrets = [token, TEST_CALLBACK_SECRET, TEST_API_SECRET, 'sandbox-hetzner-token', 'sandbox-cloudflare-token', 'ops-ui@example.com'];
    const html = (await page.content()) + (await pageText());
    for (const secret of secrets) expect(html).not.toContain(secret);
    for (const workflowId of await instanceWorkflowIds(stack.client, id)) {
      const handle = stack.client.workflow.getHandle(workflowId);
      const described = await handle.describe();
      const visible = JSON.stringify({ memo: described.memo, sa: described.searchAttributes, raw: described.raw.executionConfig, meta: described.raw.executionConfig?.userMetadata }) + (await historyJson(stack.client, workflowId));
      for (const secret of secrets) expect(visible).not.toContain(secret);
    }
  });
});
