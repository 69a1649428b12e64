// Messages between the server and its synthesis workers.
import type { AudioFormat } from '../audio/encode/index.js';

export interface WorkerConfig {
  /** ORT intra-op threads per session. */
  threads: number;
  /** $PRODIFF_VOICES for voice lookup (the serve command's --voices). */
  voicesPath?: string;
  /** Voice loaded at start (so the first request does not wait). */
  warmVoice: string;
}

export interface JobSpec {
  id: number;
  text: string;
  voice: string;
  speaker?: number;
  speed: number;
  format: AudioFormat;
  sampleRate?: number;
  /** Send each chunk's word and phone times (and `mel`: its log-mel) with its bytes. */
  timestamps: boolean;
  mel: boolean;
}

export type ToWorker = { type: 'job'; job: JobSpec } | { type: 'cancel'; id: number };

export interface ChunkInfo {
  /** Seconds into the audio. */
  start: number;
  duration: number;
  words: { word: string; start: number; end: number }[];
  phones: { phone: string; start: number; end: number }[];
  /** Log-mel of the chunk, [frames, mels], float32 (with `mel`). */
  mel?: { frames: number; mels: number; data: Float32Array };
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'startup-failed'; message: string }
  | { type: 'head'; id: number; mimeType: string; sampleRate: number }
  | { type: 'data'; id: number; bytes: Uint8Array; info?: ChunkInfo }
  | { type: 'end'; id: number; audioSeconds: number; synthSeconds: number }
  | { type: 'fail'; id: number; status: number; message: string; param?: string };
