// Argument checks shared by layers, optimizers, compile, fit, evaluate and predict. Each error names
// the caller and the option, shows what was given and says what is valid, as core's checks do; names
// are looked up in own properties only, so 'constructor' or 'toString' is never taken for a name.

import { Tensor } from '@loom/core';

/** A value as it reads in a message: numbers as written (NaN, Infinity), strings quoted, lists shown. */
export function given(v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 37)}...` : v}'`;
  if (typeof v !== 'object' && typeof v !== 'function') return String(v);
  if (v === null) return 'null';
  if (typeof v === 'function') return 'a function';
  if (v instanceof Tensor) return `a Tensor [${v.shape.join(',')}]`;
  if (Array.isArray(v)) return v.length > 8 ? `a list of ${v.length}` : `[${v.map(given).join(',')}]`;
  return 'an object';
}

/** Throws unless `options` is undefined or an object whose keys are all `valid` (JS callers get no silent typos). */
export function checkOptions(op: string, options: unknown, valid: readonly string[], what = 'options'): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options) || options instanceof Tensor) {
    throw new Error(`${op}: ${what} must be an object, got ${given(options)}`);
  }
  for (const k of Object.keys(options)) {
    if (!valid.includes(k)) throw new Error(`${op}: unknown option '${k}'; valid: ${valid.join(', ')}`);
  }
}

/** `table[name]` when `name` is one of its own keys; otherwise "unknown <kind> 'name'; valid: …". */
export function lookup<T>(op: string, kind: string, table: Readonly<Record<string, T>>, name: unknown, more = ''): T {
  if (typeof name === 'string' && Object.hasOwn(table, name)) return table[name];
  throw new Error(`${op}: unknown ${kind} ${given(name)}; valid: ${Object.keys(table).join(', ')}${more}`);
}

/** `aliases[name]` when it is an own alias, else `name` itself. */
export function resolveAlias(aliases: Readonly<Record<string, string>>, name: string): string {
  return Object.hasOwn(aliases, name) ? aliases[name] : name;
}

function fail(op: string, name: string, valid: string, v: unknown): never {
  throw new Error(`${op}: ${name} must be ${valid}, got ${given(v)}`);
}

/** An integer >= 1 (`dflt` when undefined and a default is given). */
export function positiveInt(op: string, name: string, v: unknown, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (!Number.isSafeInteger(v) || (v as number) < 1) fail(op, name, 'a positive integer', v);
  return v as number;
}

/** An integer >= 0. */
export function nonNegativeInt(op: string, name: string, v: unknown, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (!Number.isSafeInteger(v) || (v as number) < 0) fail(op, name, 'a non-negative integer', v);
  return v as number;
}

/** Any integer. */
export function integer(op: string, name: string, v: unknown, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (!Number.isSafeInteger(v)) fail(op, name, 'an integer', v);
  return v as number;
}

/** A finite number. */
export function finite(op: string, name: string, v: unknown, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(op, name, 'a finite number', v);
  return v;
}

/** A finite number > 0. */
export function positive(op: string, name: string, v: unknown, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(op, name, 'a finite number > 0', v);
  return v;
}

/** A finite number >= 0. */
export function nonNegative(op: string, name: string, v: unknown, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(op, name, 'a finite number >= 0', v);
  return v;
}

/** A number in [lo, hi] or [lo, hi) (`hiOpen`). */
export function inRange(op: string, name: string, v: unknown, lo: number, hi: number, hiOpen: boolean, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  const ok = typeof v === 'number' && v >= lo && (hiOpen ? v < hi : v <= hi);
  if (!ok) fail(op, name, `a number in [${lo}, ${hi}${hiOpen ? ')' : ']'}`, v);
  return v as number;
}

/** true or false. */
export function bool(op: string, name: string, v: unknown, dflt?: boolean): boolean {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'boolean') fail(op, name, 'true or false', v);
  return v;
}

/** One of the strings in `valid`. */
export function oneOf<T extends string>(op: string, name: string, v: unknown, valid: readonly T[], dflt?: T): T {
  if (v === undefined && dflt !== undefined) return dflt;
  if (!valid.includes(v as T)) fail(op, name, `one of ${valid.map((s) => `'${s}'`).join(', ')}`, v);
  return v as T;
}

/** The `batchSize` option of fit, evaluate and predict (default 32). */
export function batchSizeOption(op: string, v: unknown): number {
  return positiveInt(op, 'batchSize', v, 32);
}

/** A shape entry list: each dim null (any size, where `allowNull`) or a positive integer. */
export function checkShape(op: string, name: string, v: unknown, allowNull: boolean): (number | null)[] {
  const ok = Array.isArray(v) && v.every((d) => (allowNull && d === null) || (Number.isSafeInteger(d) && d >= 1));
  if (!ok) fail(op, name, `a list of ${allowNull ? 'nulls or ' : ''}positive integers`, v);
  return [...(v as (number | null)[])];
}
