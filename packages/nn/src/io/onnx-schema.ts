// The subset of the ONNX protobuf schema (onnx.proto, IR version 8) that the ONNX exporter writes and
// the importer reads, as protobufjs reflection JSON. Field numbers are those of the public spec;
// fields this code never reads or writes are left out (protobuf skips unknown fields on decode).

import type * as Protobuf from 'protobufjs';

/** ONNX TensorProto.DataType values used here. */
export const ONNX_DTYPE = { FLOAT: 1, INT32: 6, INT64: 7, DOUBLE: 11 } as const;

/** ONNX AttributeProto.AttributeType values. */
export const ATTR_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** The ONNX IR version written (8: opsets up to 18; later runtimes read it for any opset they support). */
export const IR_VERSION = 8;

// NOTE: proto2 as onnx.proto: fields have explicit presence, so a set 0 (keepdims: 0) is written, not dropped.
const f = (type: string, id: number, rule: 'repeated' | 'optional' = 'optional') => ({ type, id, rule, edition: 'proto2' });

const SCHEMA = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: f('int64', 1), producerName: f('string', 2), producerVersion: f('string', 3), domain: f('string', 4),
            modelVersion: f('int64', 5), docString: f('string', 6), graph: f('GraphProto', 7),
            opsetImport: f('OperatorSetIdProto', 8, 'repeated'),
          },
        },
        OperatorSetIdProto: { fields: { domain: f('string', 1), version: f('int64', 2) } },
        GraphProto: {
          fields: {
            node: f('NodeProto', 1, 'repeated'), name: f('string', 2), initializer: f('TensorProto', 5, 'repeated'),
            docString: f('string', 10), input: f('ValueInfoProto', 11, 'repeated'), output: f('ValueInfoProto', 12, 'repeated'),
            valueInfo: f('ValueInfoProto', 13, 'repeated'),
          },
        },
        NodeProto: {
          fields: {
            input: f('string', 1, 'repeated'), output: f('string', 2, 'repeated'), name: f('string', 3), opType: f('string', 4),
            attribute: f('AttributeProto', 5, 'repeated'), docString: f('string', 6), domain: f('string', 7),
          },
        },
        AttributeProto: {
          fields: {
            name: f('string', 1), f: f('float', 2), i: f('int64', 3), s: f('bytes', 4), t: f('TensorProto', 5),
            g: f('GraphProto', 6), floats: f('float', 7, 'repeated'), ints: f('int64', 8, 'repeated'),
            strings: f('bytes', 9, 'repeated'), tensors: f('TensorProto', 10, 'repeated'), graphs: f('GraphProto', 11, 'repeated'),
            docString: f('string', 13), type: f('int32', 20), refAttrName: f('string', 21),
          },
        },
        TensorProto: {
          fields: {
            dims: f('int64', 1, 'repeated'), dataType: f('int32', 2), floatData: f('float', 4, 'repeated'),
            int32Data: f('int32', 5, 'repeated'), int64Data: f('int64', 7, 'repeated'), name: f('string', 8),
            rawData: f('bytes', 9), doubleData: f('double', 10, 'repeated'), docString: f('string', 12),
            externalData: f('StringStringEntryProto', 13, 'repeated'), dataLocation: f('int32', 14),
          },
        },
        StringStringEntryProto: { fields: { key: f('string', 1), value: f('string', 2) } },
        ValueInfoProto: { fields: { name: f('string', 1), type: f('TypeProto', 2), docString: f('string', 3) } },
        TypeProto: {
          fields: { tensorType: f('TypeProtoTensor', 1), denotation: f('string', 6) },
        },
        TypeProtoTensor: { fields: { elemType: f('int32', 1), shape: f('TensorShapeProto', 2) } },
        TensorShapeProto: { fields: { dim: f('Dimension', 1, 'repeated') } },
        Dimension: { fields: { dimValue: f('int64', 1), dimParam: f('string', 2), denotation: f('string', 3) } },
      },
    },
  },
};

/** The decoded (plain object) forms, with int64 read as JS numbers. */
export interface OnnxDim { dimValue?: number; dimParam?: string }
export interface OnnxValueInfo { name?: string; type?: { tensorType?: { elemType?: number; shape?: { dim?: OnnxDim[] } } } }
export interface OnnxTensor {
  name?: string; dims?: number[]; dataType?: number; floatData?: number[]; int32Data?: number[]; int64Data?: number[];
  doubleData?: number[]; rawData?: Uint8Array; dataLocation?: number;
}
export interface OnnxAttribute {
  name?: string; type?: number; f?: number; i?: number; s?: Uint8Array; t?: OnnxTensor; floats?: number[]; ints?: number[];
  strings?: Uint8Array[]; g?: unknown;
}
export interface OnnxNode {
  name?: string; opType?: string; domain?: string; input?: string[]; output?: string[]; attribute?: OnnxAttribute[];
}
export interface OnnxGraph {
  name?: string; node?: OnnxNode[]; initializer?: OnnxTensor[]; input?: OnnxValueInfo[]; output?: OnnxValueInfo[];
}
export interface OnnxModel {
  irVersion?: number; producerName?: string; producerVersion?: string; graph?: OnnxGraph;
  opsetImport?: { domain?: string; version?: number }[];
}

let cached: Protobuf.Type | undefined;

/** The ModelProto type; protobufjs is imported on first use so it stays out of bundles that never touch ONNX. */
export async function modelProto(): Promise<Protobuf.Type> {
  if (cached) return cached;
  const mod = await import('protobufjs');
  // NOTE: protobufjs is CommonJS; under some bundlers its namespace arrives as `default`.
  const pb = ((mod as unknown as { default?: typeof Protobuf }).default ?? mod) as typeof Protobuf;
  cached = pb.Root.fromJSON(SCHEMA).lookupType('onnx.ModelProto');
  return cached;
}
