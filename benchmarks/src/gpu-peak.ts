// The fp32 peak of known GPUs (vendor data sheets: boost clock × FP32 lanes × 2), so a GPU run can
// report each GFLOP/s case as a share of the adapter's peak. Unknown adapters get no percentage.

/** A GPU's non-tensor-core fp32 peak. */
export interface GpuPeak {
  name: string;
  tflops: number;
}

// Most specific names first: 'H100 PCIe' must not match 'H100' SXM's figure.
const KNOWN: readonly [RegExp, GpuPeak][] = [
  [/H200/i, { name: 'NVIDIA H200', tflops: 67 }],
  [/H100.*PCIe/i, { name: 'NVIDIA H100 PCIe', tflops: 51.2 }],
  [/H100/i, { name: 'NVIDIA H100 SXM', tflops: 67 }],
  [/A100/i, { name: 'NVIDIA A100', tflops: 19.5 }],
  [/L40S/i, { name: 'NVIDIA L40S', tflops: 91.6 }],
  [/L4\b/i, { name: 'NVIDIA L4', tflops: 30.3 }],
  [/A10G/i, { name: 'NVIDIA A10G', tflops: 31.2 }],
  [/A10\b/i, { name: 'NVIDIA A10', tflops: 31.2 }],
  [/T4\b/i, { name: 'NVIDIA T4', tflops: 8.1 }],
  [/V100/i, { name: 'NVIDIA V100', tflops: 15.7 }],
  [/RTX 4090/i, { name: 'NVIDIA GeForce RTX 4090', tflops: 82.6 }],
  [/RTX 3090/i, { name: 'NVIDIA GeForce RTX 3090', tflops: 35.6 }],
];

/** The known peak of the adapter whose description (name, vendor, architecture) is `description`. */
export function knownGpuPeak(description: string): GpuPeak | null {
  for (const [re, peak] of KNOWN) if (re.test(description)) return peak;
  return null;
}

/** "matmul 4096: 12.3% of 67 TFLOP/s" lines for the GFLOP/s cases an engine ran. */
export function peakShares(cases: readonly { title: string; unit: string; engines: Record<string, { status: string; throughput?: number }> }[],
  engine: string, peak: GpuPeak): string[] {
  return cases.flatMap((c) => {
    const o = c.engines[engine];
    if (c.unit !== 'GFLOP/s' || o?.status !== 'ok' || o.throughput === undefined) return [];
    return [`${c.title}: ${((100 * o.throughput) / (peak.tflops * 1000)).toFixed(1)}% of ${peak.name}'s ${peak.tflops} TFLOP/s fp32 peak`];
  });
}
