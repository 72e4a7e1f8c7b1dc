// `npm start`: install what is missing, build, and serve the demo on localhost.
import { spawn } from 'node:child_process';
import { build, ensureDependencies, root } from './setup.mjs';

ensureDependencies();
build('@loom/demo...');
const port = process.env.PORT ?? '5173';
console.log(`\nServing the Loom demo at http://localhost:${port}/ (Ctrl+C to stop)`);
const server = spawn('npx', ['vite', 'preview', '--host', 'localhost', '--port', port, '--strictPort'], {
  cwd: `${root}/apps/demo`,
  stdio: 'inherit',
});
server.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
