// `npm test`: install what is missing, build, and run every test (Node and Chromium projects).
import { build, ensureChromium, ensureDependencies, run } from './setup.mjs';

const started = Date.now();
ensureDependencies();
const chromium = ensureChromium();
build();
run('npx', ['vitest', 'run', ...process.argv.slice(2)], { env: { CHROMIUM_PATH: chromium } });
console.log(`\nnpm test finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
