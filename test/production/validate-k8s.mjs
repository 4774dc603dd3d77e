// Validates every document of the Kubernetes manifests given as arguments against the API
// schemas that `kubernetes-models` ships (offline; ESM-only, so the jest test runs this in a child
// process). Prints one JSON line: [{ file, kind, name, error? }].
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const models = {
  'apps/v1:Deployment': () => import('kubernetes-models/apps/v1/Deployment').then((m) => m.Deployment),
  'v1:Service': () => import('kubernetes-models/v1/Service').then((m) => m.Service),
  'v1:ConfigMap': () => import('kubernetes-models/v1/ConfigMap').then((m) => m.ConfigMap),
  'v1:Secret': () => import('kubernetes-models/v1/Secret').then((m) => m.Secret),
  'policy/v1:PodDisruptionBudget': () => import('kubernetes-models/policy/v1/PodDisruptionBudget').then((m) => m.PodDisruptionBudget),
  'batch/v1:Job': () => import('kubernetes-models/batch/v1/Job').then((m) => m.Job),
};

const results = [];
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const obj = doc.toJS();
    const key = `${obj.apiVersion}:${obj.kind}`;
    const result = { file, kind: obj.kind, name: obj.metadata?.name };
    try {
      if (doc.errors.length) throw new Error(doc.errors.map((e) => e.message).join('; '));
      const Model = await models[key]?.();
      if (!Model) throw new Error(`no schema for ${key}`);
      new Model(obj).validate();
    } catch (error) {
      result.error = error.message;
    }
    results.push(result);
  }
}
console.log(JSON.stringify(results));
