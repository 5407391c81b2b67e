import { runCli } from '@hangar/cli';

// `npm run -s cli -- audit verify`: see libs/cli/src/cli.ts for the commands.
runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then((code) => {
  process.exitCode = code;
});
