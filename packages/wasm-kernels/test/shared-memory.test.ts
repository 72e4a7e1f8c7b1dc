// The threaded builds are made at load time from the embedded ones (src/shared-memory.ts); asc's own
// threaded output is checked to be byte-identical by scripts/build-wasm.mjs on every compile.
import { describe, expect, it } from 'vitest';
import { withSharedMemory } from '../src/shared-memory.js';
import { WASM_SIMD } from '../src/generated/kernels-simd.js';

const decode = (b64: string): Uint8Array<ArrayBuffer> => new Uint8Array(Array.from(atob(b64), (c) => c.charCodeAt(0)));

/** A module with `imports` (raw import-section entries) and nothing else. */
function moduleWithImports(...entries: number[][]): Uint8Array<ArrayBuffer> {
  const body = [entries.length, ...entries.flat()];
  const section = [2, body.length, ...body];
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...section]);
}
const memoryImport = (limits: number[]) => [3, 0x65, 0x6e, 0x76, 1, 0x6d, 2, ...limits];

describe('withSharedMemory', () => {
  it('makes the kernels import a shared memory: it links to one and refuses a private one', async () => {
    const shared = withSharedMemory(decode(WASM_SIMD));
    expect(WebAssembly.validate(shared)).toBe(true);
    const module = await WebAssembly.compile(shared);
    const mem = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true });
    const abort = () => { throw new Error('abort'); };
    const instance = await WebAssembly.instantiate(module, { env: { memory: mem, abort } });
    expect(typeof instance.exports.heapBase).toBe('function');
    await expect(WebAssembly.instantiate(module, { env: { memory: new WebAssembly.Memory({ initial: 256 }), abort } })).rejects.toThrow(WebAssembly.LinkError);
  });

  it('keeps the minimum, replaces a maximum and leaves the other imports alone', async () => {
    // Imports: a function type index would need a type section, so a global (i32, immutable) sits before the memory.
    const globalImport = [3, 0x65, 0x6e, 0x76, 1, 0x67, 3, 0x7f, 0x00];
    const plain = moduleWithImports(globalImport, memoryImport([0x01, 0x02, 0x90, 0x01]));
    expect(WebAssembly.validate(plain)).toBe(true);
    const shared = withSharedMemory(plain);
    expect(WebAssembly.validate(shared)).toBe(true);
    const module = await WebAssembly.compile(shared);
    expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'g', kind: 'global' }, { module: 'env', name: 'm', kind: 'memory' }]);
    // The minimum (2 pages) is kept: a 1-page shared memory is too small.
    const g = new WebAssembly.Global({ value: 'i32' }, 1);
    await expect(WebAssembly.instantiate(module, { env: { g, m: new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true }) } })).rejects.toThrow(WebAssembly.LinkError);
    await WebAssembly.instantiate(module, { env: { g, m: new WebAssembly.Memory({ initial: 2, maximum: 65536, shared: true }) } });
  });

  it('names what is wrong with a module it cannot rewrite', () => {
    expect(() => withSharedMemory(moduleWithImports())).toThrow(/withSharedMemory: the module imports no memory/);
    expect(() => withSharedMemory(moduleWithImports(memoryImport([0x03, 0x01, 0x02])))).toThrow(/shared already/);
    expect(() => withSharedMemory(moduleWithImports(memoryImport([0x00, 0x81])))).toThrow(/truncated LEB128/);
  });
});
