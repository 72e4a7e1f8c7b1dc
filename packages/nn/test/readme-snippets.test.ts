// Every TypeScript block of the root README and of each package's README runs as written: each block is transpiled and run as its
// own ES module in Node, against the built packages (npm test builds before vitest runs). A block whose
// first line is "// (continues the example above)" runs appended to the block before it.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const exec = promisify(execFile);
const CONTINUES = '// (continues the example above)';

/** The README's ```ts blocks, continuation blocks joined to the one before. */
function programs(markdown: string): { line: number; code: string }[] {
  const out: { line: number; code: string }[] = [];
  const re = /^```ts\n([\s\S]*?)^```/gm;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) {
    const line = markdown.slice(0, m.index).split('\n').length;
    const code = m[1];
    if (code.startsWith(CONTINUES) && out.length > 0) out[out.length - 1].code += `\n${code}`;
    else out.push({ line, code });
  }
  return out;
}

// The scripts live inside the repository so that '@loom/*' resolves through the workspace links.
const work = mkdtempSync(join(root, 'packages', 'nn', '.readme-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const READMES = ['README.md', ...['core', 'nn', 'wasm-kernels', 'webgpu-kernels'].map((p) => `packages/${p}/README.md`)];

for (const readme of READMES) {
  describe(`${readme} code blocks`, () => {
    const blocks = programs(readFileSync(join(root, readme), 'utf8'));

    it('there are blocks to run (the extraction itself works)', () => {
      expect(blocks.length).toBeGreaterThanOrEqual(readme === 'README.md' ? 3 : 1);
    });

    for (const b of blocks) {
      it(`the block at line ${b.line} runs`, async () => {
        if (!existsSync(join(root, 'packages', 'nn', 'dist', 'index.js'))) {
          throw new Error('the built packages are missing: run `npm run build` (npm test does) first');
        }
        const js = ts.transpileModule(b.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
        const file = join(work, `${readme.replaceAll('/', '-')}-${b.line}.mjs`);
        writeFileSync(file, js);
        try {
          await exec(process.execPath, [file], { cwd: root, env: { ...process.env, LOOM_VERBOSE: '0' }, maxBuffer: 16 << 20 });
        } catch (e) {
          const err = e as { stdout?: string; stderr?: string; message: string };
          throw new Error(`${readme} block at line ${b.line} failed:\n${err.stderr || err.message}\n${err.stdout ?? ''}`);
        }
      }, 120_000);
    }
  });
}
