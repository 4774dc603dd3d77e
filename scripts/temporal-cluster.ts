// `npm run temporal:cluster`: the real Temporal server (4 history shards) on the machine's Postgres,
// as infra/temporal-cluster.yaml describes it, until Ctrl-C. Builds it once (cached outside the repo),
// creates and migrates the databases `temporal` and `temporal_visibility` (TEMPORAL_CLUSTER_DB_URL,
// default postgres://postgres@127.0.0.1:5432), registers the namespace and the search attributes.
//   -- random        free ports instead of the config's 7233...
//   -- --no-ui       skip the Web UI server
//   -- --build-only  only build (or find) the cached binaries and print their paths (CI, images)
import { findOrBuildTemporalServer, startTemporalCluster } from './lib/temporal-cluster';

const args = new Set(process.argv.slice(2));
const fail = (err: Error) => {
  console.error(err.message);
  process.exit(1);
};

if (args.has('--build-only')) {
  findOrBuildTemporalServer({ ui: !args.has('--no-ui') }).then((bin) => console.log(Object.values(bin).join('\n')), fail);
} else {
  startTemporalCluster({ ports: args.has('random') ? 'random' : 'from-config', ui: !args.has('--no-ui'), log: (l) => console.log(l) }).then((c) => {
    console.log(`Temporal cluster: ${c.address} (namespace ${c.namespace})`);
    console.log(`  databases: ${c.databases.persistence}, ${c.databases.visibility} on ${new URL(c.databases.serverUrl).host}`);
    console.log(`  Web UI: ${c.uiUrl || `none; use the CLI: $(npm run -s temporal:cli) workflow list --address ${c.address}`}`);
    console.log(`  server metrics: ${c.metricsUrl}   server log: ${c.logFile}`);
    console.log(`  Hostflow: TEMPORAL_ADDRESS=${c.address} npm run start:worker   (and npm run start:api)`);
    const shutdown = () => void c.stop().then(() => process.exit(0));
    process.once('SIGINT', shutdown).once('SIGTERM', shutdown);
  }, fail);
}
