// Functional models: a graph of layers from symbolic inputs to outputs (multi-input, branching,
// shared layers). The model names its layers in graph order, then builds them, so weight names
// depend only on the graph.

import * as core from '@loom/core';
import type { Tensor } from '@loom/core';
import { Embedding, input as makeInput, InputLayer } from '../layers/core-layers.js';
import { serializeLayer, SymbolicTensor, type Layer, type LayerShape, type Node } from '../layers/layer.js';
import { saveModel, type SavedModel } from './io.js';
import { given } from '../validate.js';
import { Model, type IndexInput, type ModelArgs } from './model.js';

/** Arguments of `model()` / `new Functional`. */
export interface FunctionalArgs extends ModelArgs {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
}

type NodeJSON = { layer: number; inputs: [number, number][]; listInput: boolean };

/** Every node the outputs depend on, inputs before the nodes that use them. */
function graphOrder(outputs: SymbolicTensor[]): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>();
  const visit = (n: Node): void => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const i of n.inputs) visit(i.node);
    order.push(n);
  };
  for (const o of outputs) visit(o.node);
  return order;
}

/** A graph of layers from symbolic inputs to outputs (multi-input, branching, shared layers). */
export class Functional extends Model {
  readonly className = 'Model';
  readonly inputs: SymbolicTensor[];
  readonly outputs: SymbolicTensor[];
  private readonly nodes: Node[];

  constructor(args: FunctionalArgs) {
    super('model', args, ['inputs', 'outputs']);
    if (!args || args.inputs === undefined || args.outputs === undefined) throw new Error('model: needs { inputs, outputs }');
    this.inputs = Array.isArray(args.inputs) ? args.inputs : [args.inputs];
    this.outputs = Array.isArray(args.outputs) ? args.outputs : [args.outputs];
    for (const s of [...this.inputs, ...this.outputs]) {
      if (!(s instanceof SymbolicTensor)) {
        throw new Error('model: inputs and outputs must be symbolic tensors (from input() and layer.apply())');
      }
    }
    for (const s of this.inputs) {
      if (!(s.node.layer instanceof InputLayer)) throw new Error('model: every input must come from input({ shape })');
    }
    const order = graphOrder(this.outputs);
    for (const n of order) {
      if (n.layer instanceof InputLayer && !this.inputs.some((s) => s.node === n)) {
        throw new Error(`model: the outputs depend on input '${n.layer.name}', which is not listed in inputs`);
      }
    }
    this.nodes = order;
    const layers = this.layers;
    for (const l of layers) l.reserveName(this.scope);
    for (const l of layers) l.adopt(this.scope);
    for (const n of order) {
      if (!(n.layer instanceof InputLayer)) n.layer.ensureBuilt(n.listInput ? n.inputs.map((s) => s.shape) : n.inputs[0].shape);
    }
  }

  get layers(): Layer[] { return [...new Set(this.nodes.map((n) => n.layer))]; }
  get inputShapes(): LayerShape[] { return this.inputs.map((s) => s.shape); }
  get outputShapes(): LayerShape[] { return this.outputs.map((s) => s.shape); }
  protected buildFrom(): void {}

  protected run(xs: Tensor[], training: boolean): Tensor[] {
    return core.tidy(() => {
      const values = new Map<SymbolicTensor, Tensor>();
      const masks = new Map<SymbolicTensor, Tensor>();
      this.inputs.forEach((s, i) => values.set(s, xs[i]));
      for (const n of this.nodes) {
        if (n.layer instanceof InputLayer) continue;
        const ins = n.inputs.map((s) => values.get(s)!);
        // Several masked inputs (a merge) keep the steps every input has.
        const given = n.inputs.flatMap((s) => masks.get(s) ?? []);
        const mask = given.length ? given.reduce((a, b) => core.logicalAnd(a, b)) : undefined;
        const input = n.listInput ? ins : ins[0];
        const out = n.layer.call(input, training, mask);
        const outs = Array.isArray(out) ? out : [out];
        n.outputs.forEach((s, i) => values.set(s, outs[i]));
        const outMask = n.layer.computeMask(input, mask);
        if (outMask) for (const s of n.outputs) masks.set(s, outMask);
      }
      return this.outputs.map((s) => {
        const v = values.get(s)!;
        return xs.includes(v) ? core.clone(v) : v;
      });
    });
  }

  protected indexInputs(): IndexInput[] {
    const found: IndexInput[] = [];
    for (const n of this.nodes) {
      const i = n.layer instanceof Embedding ? this.inputs.indexOf(n.inputs[0]) : -1;
      if (i >= 0) found.push({ input: i, limit: (n.layer as Embedding).inputDim, layer: n.layer.name });
    }
    return found;
  }

  protected layerOutputShapes(): Map<Layer, LayerShape | LayerShape[]> {
    const m = new Map<Layer, LayerShape | LayerShape[]>();
    for (const n of this.nodes) m.set(n.layer, n.outputs.length === 1 ? n.outputs[0].shape : n.outputs.map((o) => o.shape));
    return m;
  }

  topology(): Record<string, unknown> {
    const layers = this.layers;
    const ref = (s: SymbolicTensor): [number, number] => [this.nodes.indexOf(s.node), s.outputIndex];
    const nodes: NodeJSON[] = this.nodes.map((n) => ({
      layer: layers.indexOf(n.layer), inputs: n.inputs.map(ref), listInput: n.listInput,
    }));
    return {
      className: 'Model',
      config: { name: this.name, layers: layers.map(serializeLayer), nodes, inputs: this.inputs.map(ref), outputs: this.outputs.map(ref) },
    };
  }

  save(): Promise<SavedModel> {
    return saveModel(this);
  }

  /** @internal rebuilds a functional graph from `topology()` output with fresh layers. */
  static fromTopology(config: Record<string, unknown>, layers: Layer[]): Functional {
    const nodes = config.nodes as NodeJSON[];
    if (!Array.isArray(nodes)) throw new Error('model load: functional topology has no nodes list');
    const outs: SymbolicTensor[][] = [];
    // A reference [node, output] must point at an earlier node's existing output.
    const resolve = (r: unknown, limit: number): SymbolicTensor | undefined => {
      if (!Array.isArray(r) || r.length !== 2 || !Number.isInteger(r[0]) || r[0] < 0 || r[0] >= limit) return undefined;
      return Number.isInteger(r[1]) && r[1] >= 0 ? outs[r[0]]?.[r[1]] : undefined;
    };
    nodes.forEach((n, i) => {
      const index = typeof n === 'object' && n !== null ? n.layer : undefined;
      const layer = Number.isInteger(index) && index! >= 0 ? layers[index!] : undefined;
      if (!layer) throw new Error(`model load: node ${i} refers to missing layer ${given(index)}`);
      if (layer instanceof InputLayer) {
        outs.push([makeInput({ shape: layer.batchInputShape!.slice(1) as number[], name: layer.name })]);
        return;
      }
      const ins = Array.isArray(n.inputs) ? n.inputs.map((r) => resolve(r, i)) : [];
      if (ins.length === 0 || ins.some((t) => t === undefined)) throw new Error(`model load: node ${i} has invalid input references`);
      const r = layer.apply(n.listInput === true ? (ins as SymbolicTensor[]) : ins[0]!);
      outs.push(Array.isArray(r) ? r : [r]);
    });
    const pick = (list: unknown, what: string): SymbolicTensor[] => {
      const picked = Array.isArray(list) ? list.map((r) => resolve(r, nodes.length)) : [];
      if (picked.length === 0 || picked.some((t) => t === undefined)) throw new Error(`model load: invalid ${what} references`);
      return picked as SymbolicTensor[];
    };
    return new Functional({ inputs: pick(config.inputs, 'input'), outputs: pick(config.outputs, 'output'), name: config.name as string });
  }
}
