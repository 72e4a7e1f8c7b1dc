// Compiles assembly/ with asc for plain SIMD and relaxed SIMD and embeds each .wasm as base64 in
// src/generated/*.ts, so the package needs no .wasm file at run time (Node and bundlers alike).
// It also compiles the shared-memory (threads) variant of each and checks that it differs from the
// plain build only in the memory import's limits: the loader derives the threaded build from the
// embedded one (src/shared-memory.ts) instead of embedding every kernel twice.
// It also writes src/generated/kernels-abi.ts, the TypeScript view of the module's exports, from
// asc's own bindings: an export that changes on the assembly side changes that interface, so the
// TypeScript callers stop compiling instead of drifting.
//
// Compiling the builds at -O3 takes minutes, so a plain run first compares a content hash of the
// inputs (assembly/, src/abi/, this script, the asc and binaryen versions) and of the generated
// files with src/generated/build-hash.json, and skips asc when both match: a fresh clone, whose
// generated files are committed, builds without compiling. Any change to an input recompiles.
//
// Usage: node scripts/build-wasm.mjs [--force | --check]
//   (none)   compile unless build-hash.json says src/generated is up to date with the inputs
//   --force  compile and write regardless of the hash
//   --check  for CI: compile and fail if any generated file or build-hash.json differs from what
//            the sources produce (the full check; it never trusts the hash file)

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');
const force = process.argv.includes('--force');
const unknown = process.argv.slice(2).filter((a) => a !== '--check' && a !== '--force');
if (unknown.length > 0 || (check && force)) {
  console.error(`build-wasm: unexpected arguments ${process.argv.slice(2).join(' ')}; usage: node scripts/build-wasm.mjs [--force | --check]`);
  process.exit(2);
}

const HASH_FILE = 'src/generated/build-hash.json';
const GENERATED = ['kernels-simd.ts', 'kernels-relaxed.ts', 'kernels-abi.ts'];

/** Every file under `dir` (relative to the package), sorted. */
function filesUnder(dir) {
  return readdirSync(`${root}/${dir}`, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => `${e.parentPath ?? e.path}/${e.name}`.slice(root.length).replace(/\\/g, '/').replace(/^\/+/, ''))
    .sort();
}

/** sha256 of text with CRLF read as LF, so a Windows checkout hashes like a Unix one. */
function sha256(text) {
  return createHash('sha256').update(text.replace(/\r\n/g, '\n')).digest('hex');
}

/** One hash over what the generated files are made from: sources, this script and the toolchain. */
function inputsHash() {
  const require = createRequire(import.meta.url);
  const parts = [...filesUnder('assembly'), ...filesUnder('src/abi'), 'scripts/build-wasm.mjs']
    .map((file) => `${file}\0${sha256(readFileSync(`${root}/${file}`, 'utf8'))}`);
  for (const pkg of ['assemblyscript', 'binaryen']) parts.push(`${pkg}@${require(`${pkg}/package.json`).version}`);
  return sha256(parts.join('\n'));
}

/** build-hash.json's text for these inputs and the generated files as they are on disk now. */
function hashFileText(inputs) {
  const outputs = {};
  for (const name of GENERATED) {
    try { outputs[name] = sha256(readFileSync(`${root}/src/generated/${name}`, 'utf8')); } catch { outputs[name] = null; }
  }
  return JSON.stringify({
    about: 'Written by scripts/build-wasm.mjs: the content hash of its inputs and of the files it generated from them. ' +
      'While both match, a build skips asc. Do not edit; run npm run build:wasm.',
    inputs,
    outputs,
  }, null, 2) + '\n';
}

const inputs = inputsHash();
if (!check && !force) {
  let recorded = '';
  try { recorded = readFileSync(`${root}/${HASH_FILE}`, 'utf8'); } catch { /* never built */ }
  if (recorded === hashFileText(inputs)) {
    console.log(`src/generated is up to date with assembly/ (inputs sha256 ${inputs.slice(0, 12)}); asc skipped (--force compiles)`);
    process.exit(0);
  }
  console.log('src/generated does not match the inputs\' content hash: compiling with asc');
}

// Loaded only when compiling: it pulls in binaryen.
const { default: asc } = await import('assemblyscript/asc');

// The threaded builds import a shared memory (declared with the wasm32 maximum, which any memory
// the loader creates stays within); the kernels are the same, the worker pool in src/threads.ts
// runs slices of them on several instances over that one memory.
const SHARED = ['--enable', 'threads', '--sharedMemory', '--maximumMemory', '65536'];
const BUILDS = [
  { name: 'simd', flags: ['--enable', 'simd'] },
  { name: 'relaxed', flags: ['--enable', 'simd', '--enable', 'relaxed-simd'] },
];

/** A wasm binary's sections as [id, payload] (the payload without the id and size bytes). */
function sections(binary) {
  const b = Uint8Array.from(binary);
  const out = [];
  let p = 8;
  while (p < b.length) {
    const id = b[p++];
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = b[p++];
      size |= (byte & 0x7f) << shift;
      if (byte < 0x80) break;
    }
    out.push([id, Buffer.from(b.subarray(p, p + size))]);
    p += size;
  }
  return out;
}

/**
 * Fails unless `shared` (asc with SHARED) is `plain` with only the memory import's limits changed
 * from "min 1" to "shared, min 1, max 65536" — the rewrite src/shared-memory.ts does at load time.
 */
function checkSharedVariant(name, plain, shared) {
  const a = sections(plain);
  const b = sections(shared);
  const same = a.length === b.length && a.every(([id, payload], i) => {
    if (id !== b[i][0]) return false;
    if (id !== 2) return payload.equals(b[i][1]);
    // Import section: 'env'.'memory' is its last entry, kind 2 (memory), then the limits.
    const tail = Buffer.concat([Buffer.from([6]), Buffer.from('memory'), Buffer.from([2])]);
    return payload.subarray(0, -2).equals(b[i][1].subarray(0, -5)) &&
      payload.subarray(-2).equals(Buffer.from([0x00, 0x01])) && b[i][1].subarray(-5).equals(Buffer.from([0x03, 0x01, 0x80, 0x80, 0x04])) &&
      payload.subarray(-2 - tail.length, -2).equals(tail);
  });
  if (!same) {
    throw new Error(`build-wasm: the threaded ${name} build differs from the plain one beyond the memory import's limits; ` +
      'src/shared-memory.ts can no longer derive it: embed it as its own build');
  }
  console.log(`threads-${name}: the plain build with a shared memory import (checked)`);
}

/** The `export const enum`s of src/abi/codes.ts: parameters declared with one keep its name in the interface. */
const CODE_ENUMS = new Set([...readFileSync(`${root}/src/abi/codes.ts`, 'utf8').matchAll(/^export const enum (\w+)/gm)].map((m) => m[1]));

/**
 * An asc transform that records, per export of assembly/index.ts, the parameters declared with a
 * code enum (asc's bindings type them `number`, as every i32).
 */
class EnumParams {
  constructor() {
    this.byExport = new Map();
  }

  afterInitialize(program) {
    for (const file of program.filesByName.values()) {
      if (file.internalName !== 'assembly/index') continue;
      for (const [name, element] of file.exports) {
        const params = element.declaration?.signature?.parameters ?? [];
        const enums = new Map();
        for (const p of params) {
          const type = p.type?.name?.identifier?.text;
          if (CODE_ENUMS.has(type)) enums.set(p.name.text, type);
        }
        this.byExport.set(name, enums);
      }
    }
  }
}

async function compile(flags) {
  const files = {};
  const enumParams = new EnumParams();
  const { error, stderr } = await asc.main(
    ['assembly/index.ts', '-O3', '--runtime', 'stub', '--importMemory', '--noExportMemory', '--outFile', 'out.wasm',
      '--bindings', 'esm', ...flags],
    {
      readFile: (name, dir) => {
        try { return readFileSync(`${dir}/${name}`, 'utf8'); } catch { return null; }
      },
      writeFile: (name, contents) => { files[name] = contents; },
      listFiles: () => [],
      baseDir: root,
      transforms: [enumParams],
    },
  );
  if (error) throw new Error(`asc failed: ${error.message}\n${stderr.toString()}`);
  return { binary: files['out.wasm'], abi: abiModule(files['out.d.ts'].toString(), enumParams.byExport) };
}

/** Turns asc's `export declare function f(...): R;` bindings into the members of `interface Kernels`. */
function abiModule(dts, enumParams) {
  const used = new Set();
  const body = dts.trimEnd().split('\n').map((line) => {
    if (line === '') return line;
    if (line.startsWith('/**') || line.startsWith(' *')) return `  ${line}`;
    const m = /^export declare function (\w+)\((.*)\): (\w+);$/.exec(line);
    if (!m) throw new Error(`build-wasm: unexpected line in asc's bindings: ${line}`);
    const [, name, params, result] = m;
    const enums = enumParams.get(name) ?? new Map();
    const typed = params === '' ? '' : params.split(', ').map((p) => {
      const [param, type] = p.split(': ');
      const code = enums.get(param);
      if (code === undefined) return p;
      if (type !== 'number') throw new Error(`build-wasm: ${name}(${param}) is a ${code} but asc binds it as ${type}`);
      used.add(code);
      return `${param}: ${code}`;
    }).join(', ');
    return wrap(`  ${name}(`, typed.split(', '), `): ${result};`);
  });
  const imports = used.size > 0 ? `import type { ${[...used].sort().join(', ')} } from '../abi/codes.js';\n\n` : '';
  return '// Generated by scripts/build-wasm.mjs from asc\'s bindings of assembly/index.ts; do not edit.\n\n' + imports +
    '/**\n * The kernels the wasm module exports, as asc declares them (pointers are byte addresses). Parameters\n' +
    ' * declared with a src/abi/codes.ts enum take its members.\n */\n' +
    `export interface Kernels {\n${body.join('\n')}\n}\n`;
}

/** `head` + `parts` joined by ', ' + `tail` on one line, or the parts on lines of ≤ 140 characters. */
function wrap(head, parts, tail) {
  const line = head + parts.join(', ') + tail;
  if (line.length <= 140) return line;
  const lines = [];
  let current = '   ';
  for (const part of parts) {
    if (current.length + part.length + 2 > 140) {
      lines.push(current.trimEnd());
      current = '   ';
    }
    current += ` ${part},`;
  }
  lines.push(current);
  return [head, ...lines, `  ${tail.trimStart()}`].join('\n');
}

let stale = false;

/** Writes (or, with --check, compares) one generated file. */
function emit(file, text, what) {
  let old = '';
  try { old = readFileSync(file, 'utf8'); } catch { /* first build */ }
  if (old !== text) {
    stale = true;
    if (!check) writeFileSync(file, text);
  }
  console.log(`${what}${old === text ? ' (unchanged)' : check ? ' (STALE)' : ' (written)'}`);
}

mkdirSync(`${root}/src/generated`, { recursive: true });
let abi;
for (const { name, flags } of BUILDS) {
  const { binary, abi: buildAbi } = await compile(flags);
  if (abi !== undefined && buildAbi !== abi) throw new Error('build-wasm: the builds export different kernels');
  abi = buildAbi;
  const text = `// Generated by scripts/build-wasm.mjs from assembly/ (asc ${flags.join(' ')}); do not edit.\n` +
    `/** The ${name} build of the kernels, base64-encoded (${binary.length} bytes). */\n` +
    `export const WASM_${name.toUpperCase().replace('-', '_')} = '${Buffer.from(binary).toString('base64')}';\n`;
  emit(`${root}/src/generated/kernels-${name}.ts`, text, `${name}: ${binary.length} bytes`);
  checkSharedVariant(name, binary, (await compile([...flags, ...SHARED])).binary);
}
emit(`${root}/src/generated/kernels-abi.ts`, abi, 'kernels-abi.ts');
// With --check the generated files were compared, not written, so this records the committed
// ones: equal to the fresh compile exactly when nothing above was stale.
emit(`${root}/${HASH_FILE}`, hashFileText(inputs), 'build-hash.json');
if (check && stale) {
  console.error('src/generated is stale (or build-hash.json does not match it): run npm run build:wasm');
  process.exit(1);
}
