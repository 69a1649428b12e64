// The voices the server speaks with: the installed voice packages (and their speakers), addressed
// as NAME or NAME:SPEAKER, plus OpenAI's voice names mapped onto them (docs/server.md has the table).
// Names are looked up in this list only; nothing a client sends becomes a path.
import { readVoiceConfig } from '../voice/load.js';
import { defaultVoiceName, listInstalledVoices } from '../voice/store.js';
import { badRequest } from './errors.js';

/** OpenAI's voice names, in the order they map onto the default voice's speakers. */
export const OPENAI_VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'nova', 'onyx', 'sage', 'shimmer', 'verse', 'marin', 'cedar'] as const;

export interface VoiceInfo {
  name: string;
  language: string;
  sampleRate: number;
  speakers: string[];
  isDefault: boolean;
}

export interface VoiceChoice {
  voice: string;
  /** Speaker id within the voice (multi-speaker voices); undefined: the voice's default. */
  speaker?: number;
}

export class VoiceCatalog {
  readonly voices: VoiceInfo[];
  readonly defaultVoice: string;

  constructor(env: NodeJS.ProcessEnv) {
    const seen = new Set<string>();
    const def = defaultVoiceName();
    this.voices = [];
    for (const v of listInstalledVoices(env)) {
      if (seen.has(v.name)) continue;
      seen.add(v.name);
      try {
        const c = readVoiceConfig(v.dir);
        const byId = new Array<string>(c.num_speakers).fill('');
        for (const [name, id] of Object.entries(c.speaker_id_map)) byId[id] ||= name;
        this.voices.push({
          name: v.name, language: c.language?.code ?? '', sampleRate: c.audio.sample_rate,
          speakers: byId.map((n, i) => n || String(i)), isDefault: v.name === def,
        });
      } catch { /* a broken voice is left out; prodiff voices reports it */ }
    }
    if (this.voices.length === 0) throw new Error('no usable voices installed (prodiff voices lists them)');
    this.defaultVoice = this.voices.find((v) => v.isDefault)?.name ?? this.voices[0]!.name;
  }

  /** OpenAI name -> the default voice and one of its speakers (round robin over the names). */
  openAiMapping(): Record<string, VoiceChoice> {
    const def = this.voices.find((v) => v.name === this.defaultVoice)!;
    return Object.fromEntries(OPENAI_VOICES.map((n, i) => [n, def.speakers.length > 1 ? { voice: def.name, speaker: i % def.speakers.length } : { voice: def.name }]));
  }

  /** Every name a request may give. */
  names(): string[] {
    return [...this.voices.flatMap((v) => [v.name, ...(v.speakers.length > 1 ? v.speakers.map((s) => `${v.name}:${s}`) : [])]), ...OPENAI_VOICES];
  }

  /** A request's voice -> voice and speaker; a 400 listing the voices for anything else. */
  resolve(spec: unknown): VoiceChoice {
    const known = () => `voices: ${this.names().join(', ')}`;
    if (typeof spec === 'object' && spec !== null && typeof (spec as { id?: unknown }).id === 'string') spec = (spec as { id: string }).id;
    if (typeof spec !== 'string' || spec.trim() === '') throw badRequest(`'voice' is required: a voice name (${known()})`, 'voice');
    const mapped = this.openAiMapping()[spec.toLowerCase()];
    if (mapped) return mapped;
    const colon = spec.indexOf(':');
    const name = colon < 0 ? spec : spec.slice(0, colon);
    const v = this.voices.find((x) => x.name === name);
    if (!v) throw badRequest(`unknown voice ${JSON.stringify(spec.slice(0, 100))} (${known()})`, 'voice', 'voice_not_found');
    if (colon < 0) return { voice: v.name };
    const s = spec.slice(colon + 1);
    const id = v.speakers.indexOf(s) >= 0 ? v.speakers.indexOf(s) : /^\d+$/.test(s) && Number(s) < v.speakers.length ? Number(s) : -1;
    if (id < 0) throw badRequest(`voice ${v.name} has no speaker ${JSON.stringify(s.slice(0, 100))} (speakers: ${v.speakers.join(', ')})`, 'voice', 'voice_not_found');
    // A single-speaker voice takes no speaker id: naming its one speaker is the voice itself.
    return v.speakers.length > 1 ? { voice: v.name, speaker: id } : { voice: v.name };
  }
}
