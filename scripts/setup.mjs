// Shared by `npm start` and `npm test`: installs what is missing (npm dependencies, Debian's
// Chromium for browser tests) and builds every package. Plain Node, no dependencies.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs a command in the repo root, inheriting stdio; exits on failure. */
export function run(cmd, args, options = {}) {
  console.log(`\n> ${[cmd, ...args].join(' ')}`);
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options, env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', ...options.env } });
  if (result.status !== 0) {
    console.error(`\n${cmd} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

/** Installs npm dependencies when node_modules is missing or older than the lockfile. */
export function ensureDependencies() {
  const marker = `${root}/node_modules/.package-lock.json`;
  const lock = `${root}/package-lock.json`;
  if (!existsSync(marker)) {
    run('npm', ['ci', '--no-audit', '--no-fund']);
  } else if (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs) {
    run('npm', ['install', '--no-audit', '--no-fund']);
  }
}

/** Where Chromium is, installing Debian's package when missing and we are root. */
export function ensureChromium() {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(path)) return path;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error(
      `Chromium is needed for the browser tests and was not found at ${path}.\n` +
        'Install Debian\'s package as root:  apt-get update && apt-get install -y chromium\n' +
        'or point CHROMIUM_PATH at a Chromium/Chrome binary.',
    );
    process.exit(1);
  }
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { env: { DEBIAN_FRONTEND: 'noninteractive' } });
  if (!existsSync(path)) {
    console.error(`apt-get installed chromium but ${path} does not exist`);
    process.exit(1);
  }
  return path;
}

/** Builds the packages (and the demo) with turbo. */
export function build(filter) {
  run('npx', ['turbo', 'run', 'build', ...(filter ? [`--filter=${filter}`] : []), '--output-logs=errors-only']);
}
