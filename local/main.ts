/**
 * `npm start`: boots the local stack and prints how to use it. Ctrl-C stops it cleanly.
 * Options: see USAGE below (`npm start -- --help`).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SEED_USERS } from './seed';
import { startLocalStack } from './stack';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `Usage: npm start -- [options]

Boots the Caseline local stack (HTTP API, DynamoDB, S3, KMS, Step Functions, SNS stand-ins).

Options:
  --memory        keep nothing on disk (default: data in .data/ beside package.json)
  --port N        HTTP API port (default 4000; the stand-ins take N+1..N+6)
  --data DIR      where to keep data (default .data/ beside package.json)
  -h, --help      print this help and exit
`;

const parsed = (() => {
  try {
    return parseArgs({
      options: {
        memory: { type: 'boolean', default: false },
        port: { type: 'string', default: '4000' },
        data: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    // An unknown or malformed option: say which, show the options, no stack trace.
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exit(2);
  }
})();
const { values } = parsed;
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be a whole number from 0 to 65535.\n\n${USAGE}`);
  process.exit(2);
}

const stack = await startLocalStack({
  port,
  ...(values.memory ? {} : { dataDir: resolve(values.data ?? resolve(ROOT, '.data')) }),
  scheduler: true,
});

// From the process's own start (performance.timeOrigin), so the figure includes loading the modules.
const readyMs = Math.round(performance.now());
const pad = (s: string, n: number) => s.padEnd(n);
const lines = [
  '',
  `Caseline local stack ready in ${readyMs} ms from process start (${values.memory ? 'in memory' : `data in ${values.data ?? '.data/'}`})`,
  '',
  `  Console         ${stack.apiUrl}/           ${existsSync(join(ROOT, 'web/dist/index.html')) ? 'sign in as any seeded user below' : 'not built yet: npm run build:web'}`,
  `  HTTP API        ${stack.apiUrl}            health: ${stack.apiUrl}/health`,
  `  DynamoDB        ${stack.endpoints.dynamodb}`,
  `  S3              ${stack.endpoints.s3}`,
  `  KMS             ${stack.endpoints.kms}`,
  `  Step Functions  ${stack.endpoints.sfn}`,
  `  SNS (outbox)    ${stack.endpoints.sns}       read it: ${stack.apiUrl}/local/outbox`,
  `  Cognito (users) ${stack.endpoints.cognito}       invited users sign in with POST /local/token {"username":"<e-mail>"}`,
  `  Clock           ${stack.apiUrl}/local/clock  (operators: POST /local/clock/advance {"hours":25})`,
  '',
  '  Seeded users (tokens live 15 minutes):',
  ...SEED_USERS.map(
    (u) =>
      `    ${pad(u.username, 16)} ${pad(u.roles.join(','), 16)} ${pad(u.accountId, 11)} ${u.description}`,
  ),
  '',
  '  Get a token:',
  `    curl -s -X POST ${stack.apiUrl}/local/token -H 'content-type: application/json' -d '{"username":"lab.acme"}'`,
  '',
  '  Ctrl-C to stop.',
  '',
];
process.stdout.write(lines.join('\n'));

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nStopping the local stack...\n');
  await stack.stop();
  process.stdout.write('Stopped.\n');
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
