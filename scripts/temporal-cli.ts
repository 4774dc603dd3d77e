// `npm run temporal:cli`: prints the path of the temporal CLI, building it once if needed.
import { findOrInstallTemporalCli } from './lib/temporal-cli';

findOrInstallTemporalCli().then(
  (cli) => console.log(cli),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
