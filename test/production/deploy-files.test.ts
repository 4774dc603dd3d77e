// The deploy files in infra/ cannot run here (no Docker engine, no Kubernetes): this checks what
// can be checked without one. Kubernetes manifests: every document against the API schemas of
// `kubernetes-models`, plus what a rollout needs (probes, resources, non-root, PDB selectors
// matching a Deployment). Compose: YAML, every service's dependencies and secrets defined, the
// replica counts. Dockerfile: multi-stage, non-root, compiled entry points that exist in dist/.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..');
const K8S = path.join(ROOT, 'infra', 'k8s');
const k8sFiles = readdirSync(K8S).filter((f) => f.endsWith('.yaml')).map((f) => path.join(K8S, f));
const docs = k8sFiles.flatMap((f) => parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJS() as Record<string, any>));
const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
/** What only the worker reads (config/providers.ts): never in the API's environment or volumes. */
const PROVIDER_SETTINGS = ['HETZNER_API_TOKEN', 'HETZNER_API_TOKEN_FILE', 'hetzner_api_token', 'CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_API_TOKEN_FILE', 'cloudflare_api_token', 'CLOUDFLARE_ZONE_ID', 'SMTP_URL', 'SMTP_URL_FILE', 'smtp_url'];

describe('Kubernetes manifests (infra/k8s)', () => {
  it('are valid against the Kubernetes API schemas', () => {
    const out = execFileSync(process.execPath, [path.join(__dirname, 'validate-k8s.mjs'), ...k8sFiles], { cwd: ROOT, encoding: 'utf8' });
    const results = JSON.parse(out) as { file: string; kind: string; name: string; error?: string }[];
    expect(results.filter((r) => r.error)).toEqual([]);
    expect(results.map((r) => `${r.kind}/${r.name}`).sort()).toEqual([
      'ConfigMap/hostflow-config', 'Deployment/hostflow-api', 'Deployment/hostflow-worker', 'Job/hostflow-migrate',
      'PodDisruptionBudget/hostflow-api', 'PodDisruptionBudget/hostflow-worker', 'Secret/hostflow-secrets', 'Service/hostflow-api',
    ]);
  });

  it('the schema check catches a broken manifest (it is not vacuous)', () => {
    const broken = path.join(os.tmpdir(), `broken-${process.pid}.yaml`);
    writeFileSync(broken, 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: x }\nspec: { replicas: two, selector: {}, template: {} }\n');
    const out = execFileSync(process.execPath, [path.join(__dirname, 'validate-k8s.mjs'), broken], { cwd: ROOT, encoding: 'utf8' });
    expect(JSON.parse(out)[0].error).toMatch(/replicas/);
  });

  it.each(byKind('Deployment').map((d) => [d.metadata.name, d]))('%s: probes, resources, non-root, a PDB, replicas >= 2', (_name, deployment) => {
    const pod = deployment.spec.template.spec;
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    for (const c of pod.containers) {
      expect(c.readinessProbe?.httpGet?.path).toBeTruthy();
      expect(c.livenessProbe?.httpGet?.path).toBeTruthy();
      expect(c.livenessProbe.httpGet.path).not.toBe(c.readinessProbe.httpGet.path);
      expect(c.resources.requests.cpu).toBeTruthy();
      expect(c.resources.limits.memory).toBeTruthy();
      expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
      // Compiled entry points, not tsx.
      expect(c.command.join(' ')).toMatch(/^node .*dist\/.*\.js$/);
      // Probes name ports the container declares.
      const ports = (c.ports ?? []).map((p: { name: string }) => p.name);
      expect(ports).toEqual(expect.arrayContaining([c.readinessProbe.httpGet.port, c.livenessProbe.httpGet.port]));
      // Secrets from files, never inline values.
      for (const e of c.env ?? []) if (/SECRET|TOKEN|DATABASE_URL|SMTP_URL/.test(e.name)) expect(e.name).toMatch(/_FILE$/);
    }
    const labels = deployment.spec.template.metadata.labels;
    const pdb = byKind('PodDisruptionBudget').find((p) => Object.entries(p.spec.selector.matchLabels).every(([k, v]) => labels[k] === v));
    expect(pdb).toBeDefined();
    expect(Object.entries(deployment.spec.selector.matchLabels).every(([k, v]) => labels[k] === v)).toBe(true);
  });

  it('the worker probes the endpoints workers/health.ts serves; the API the routes it serves', () => {
    const [api] = byKind('Deployment').filter((d) => d.metadata.name === 'hostflow-api').map((d) => d.spec.template.spec.containers[0]);
    const [worker] = byKind('Deployment').filter((d) => d.metadata.name === 'hostflow-worker').map((d) => d.spec.template.spec.containers[0]);
    expect([worker.livenessProbe.httpGet.path, worker.readinessProbe.httpGet.path]).toEqual(['/livez', '/readyz']);
    expect(worker.env.find((e: { name: string }) => e.name === 'WORKER_HEALTH_ADDRESS').value).toBe('0.0.0.0:8081');
    expect([api.livenessProbe.httpGet.path, api.readinessProbe.httpGet.path]).toEqual(['/api/health/live', '/api/health']);
  });
  it('the API gets no provider token or SMTP secret, the worker no signing secret (each reads only its own)', () => {
    const shared = Object.keys(byKind('ConfigMap')[0]!.data);
    const seen = (name: string) => {
      const pod = byKind('Deployment').find((d) => d.metadata.name === name)!.spec.template.spec;
      const mounted = pod.volumes.flatMap((v: any) => (v.secret ? (v.secret.items ?? [{ path: '(every key)' }]).map((i: { path: string }) => i.path) : []));
      return [...shared, ...pod.containers[0].env.map((e: { name: string }) => e.name), ...mounted];
    };
    for (const name of PROVIDER_SETTINGS) expect(seen('hostflow-api')).not.toContain(name);
    expect(seen('hostflow-api')).not.toContain('(every key)');
    expect(seen('hostflow-api')).toEqual(expect.arrayContaining(['WHMCS_HMAC_SECRET_FILE', 'whmcs_hmac_secret', 'CLOUDFLARE_DOMAIN']));
    expect(seen('hostflow-worker')).toEqual(expect.arrayContaining(['HETZNER_API_TOKEN_FILE', 'hetzner_api_token', 'SMTP_URL_FILE', 'CLOUDFLARE_ZONE_ID']));
    for (const name of ['WHMCS_HMAC_SECRET_FILE', 'whmcs_hmac_secret', '(every key)']) expect(seen('hostflow-worker')).not.toContain(name);
  });
});

describe('compose file (infra/compose.yaml)', () => {
  const compose = parseYaml(readFileSync(path.join(ROOT, 'infra', 'compose.yaml'), 'utf8'), { merge: true }) as Record<string, any>;
  const services = compose.services as Record<string, any>;

  it('has Postgres, Temporal with its schema one-shot, the UI, admin tools, migrations, 2 API and 2 workers', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'migrate', 'postgres', 'temporal', 'temporal-schema', 'temporal-setup', 'temporal-ui', 'worker']);
    expect(services.api.deploy.replicas).toBe(2);
    expect(services.worker.deploy.replicas).toBe(2);
    expect(services.temporal.environment.NUM_HISTORY_SHARDS).toBe('4');
    expect(services.migrate.restart).toBe('no');
    expect(services.api.depends_on.migrate.condition).toBe('service_completed_successfully');
    expect(services.worker.depends_on.migrate.condition).toBe('service_completed_successfully');
  });

  it('the API gets no provider token or SMTP secret, the worker no signing secret', () => {
    const seen = (svc: Record<string, any>) => [...Object.keys(svc.environment ?? {}), ...(svc.secrets ?? [])];
    for (const name of PROVIDER_SETTINGS) expect(seen(services.api)).not.toContain(name);
    expect(seen(services.api)).toEqual(expect.arrayContaining(['WHMCS_HMAC_SECRET_FILE', 'whmcs_hmac_secret', 'CALLBACK_SECRET_FILE', 'CLOUDFLARE_DOMAIN']));
    expect(seen(services.worker)).toEqual(expect.arrayContaining(['HETZNER_API_TOKEN_FILE', 'hetzner_api_token', 'SMTP_URL_FILE', 'CALLBACK_SECRET_FILE']));
    for (const name of ['WHMCS_HMAC_SECRET_FILE', 'whmcs_hmac_secret']) expect(seen(services.worker)).not.toContain(name);
    expect(seen(services.migrate)).toEqual(['DATABASE_URL_FILE', 'database_url']);
  });

  it('every dependency and secret it names is defined; the images pin the versions CI ran', () => {
    for (const [name, svc] of Object.entries(services)) {
      const deps = Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {});
      for (const dep of deps) expect({ name, dep, known: dep in services }).toEqual({ name, dep, known: true });
      for (const secret of svc.secrets ?? []) expect({ name, secret, known: secret in compose.secrets }).toEqual({ name, secret, known: true });
    }
    expect(services.temporal.image).toBe('temporalio/server:1.29.1');
    expect(services['temporal-ui'].image).toBe('temporalio/ui:2.42.1');
  });
});

describe('Dockerfile (infra/Dockerfile)', () => {
  const text = readFileSync(path.join(ROOT, 'infra', 'Dockerfile'), 'utf8');
  it('is multi-stage, installs with npm ci, builds, and runs the compiled API as a non-root user', () => {
    expect(text.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/^RUN npm ci/m);
    expect(text).toMatch(/npm run build/);
    expect(text).toMatch(/^USER node$/m);
    expect(text).toMatch(/^CMD \["node", "--enable-source-maps", "dist\/api\/main\.js"\]$/m);
    // Every source folder tsconfig.build.json compiles is copied into the build stage.
    const build = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { include: string[] };
    for (const dir of build.include) expect(text).toContain(`COPY ${dir} ./${dir}`);
  });
});

describe('Grafana dashboard (infra/grafana/hostflow-dashboard.json)', () => {
  const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'infra', 'grafana', 'hostflow-dashboard.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
  const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
  it('charts the API metrics api/metrics.ts defines and the SDK worker metrics by service', () => {
    const metrics = readFileSync(path.join(ROOT, 'api', 'metrics.ts'), 'utf8');
    const apiNames = new Set(exprs.flatMap((e) => e.match(/hostflow_api_[a-z_]+/g) ?? []));
    expect(apiNames.size).toBeGreaterThan(2);
    for (const name of apiNames) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      // Defined by name, or one of prom-client's default process metrics under the hostflow_api_ prefix.
      expect({ name, defined: metrics.includes(`'${base}'`) || /^hostflow_api_process_/.test(base) }).toEqual({ name, defined: true });
    }
    for (const e of exprs.filter((x) => x.includes('temporal_'))) expect(e).toContain('service="hostflow-worker"');
  });
});
