// An acoustic model (teacher or distilled student) from a run folder or a weights file, with the
// sampler it was trained for.
import { join } from 'node:path';
import { loadProDiffWeights } from './checkpoint.js';
import { AcousticModel } from './inference.js';

/** A run folder stands for its model.safetensors. */
export function acousticWeightsPath(runOrFile: string): string {
  return runOrFile.endsWith('.safetensors') ? runOrFile : join(runOrFile, 'model.safetensors');
}

export async function loadAcousticModel(runOrFile: string, threads?: number): Promise<{ model: AcousticModel; path: string }> {
  const path = acousticWeightsPath(runOrFile);
  const w = loadProDiffWeights(path);
  return { model: await AcousticModel.create(w.cfg, w.params, { ...w.options, ...(threads !== undefined ? { threads } : {}) }), path };
}
