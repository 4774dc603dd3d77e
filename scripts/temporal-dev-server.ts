// `npm run temporal:dev`: the Temporal dev server alone, as temporal-dev.yaml describes it, until Ctrl-C.
import { startTemporalDevServer } from './lib/temporal-dev-server';

// Piped, not inherited, so the server's shutdown chatter is dropped after Ctrl-C.
startTemporalDevServer({ log: (l) => console.log(l) }).then(
  (s) => {
    console.log(`Temporal: ${s.address} (namespace ${s.namespace})  Web UI: ${s.uiUrl}`);
    const shutdown = () => void s.stop().then(() => process.exit(0));
    process.once('SIGINT', shutdown).once('SIGTERM', shutdown);
  },
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
