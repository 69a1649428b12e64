// Plays 16-bit PCM pieces back to back as they arrive (Web Audio), and says which second of the
// speech is playing now (for the word highlighting).

interface Scheduled {
  /** Seconds into the speech where the piece starts. */
  at: number;
  /** AudioContext time it starts playing. */
  when: number;
  duration: number;
}

export class StreamPlayer {
  readonly ctx: AudioContext;
  private next = 0;
  private speechTime = 0;
  private readonly pieces: Scheduled[] = [];

  constructor(readonly sampleRate: number) {
    this.ctx = new AudioContext({ sampleRate });
  }

  /** Queues a piece of little-endian 16-bit mono PCM right after the previous one. */
  play(pcm: Uint8Array): void {
    const n = pcm.length >> 1;
    if (n === 0) return;
    const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    const buf = this.ctx.createBuffer(1, n, this.sampleRate);
    const ch = buf.getChannelData(0);
    for (let i = 0; i < n; i++) ch[i] = view.getInt16(2 * i, true) / 32768;
    const src = this.ctx.createBufferSource();
    src.buffer = buf;
    src.connect(this.ctx.destination);
    // A late piece (the network was slower than playback) starts a little ahead of now.
    const when = Math.max(this.next, this.ctx.currentTime + 0.05);
    src.start(when);
    this.pieces.push({ at: this.speechTime, when, duration: buf.duration });
    this.next = when + buf.duration;
    this.speechTime += buf.duration;
  }

  /** Seconds of speech received so far. */
  get received(): number {
    return this.speechTime;
  }

  /** The second of the speech playing now; -1 before it starts, Infinity after it ends. */
  position(): number {
    const now = this.ctx.currentTime;
    if (this.pieces.length === 0 || now < this.pieces[0]!.when) return -1;
    for (const p of this.pieces) if (now < p.when + p.duration) return p.at + Math.max(0, now - p.when);
    return Infinity;
  }

  /** Seconds until everything queued has played. */
  remaining(): number {
    return Math.max(0, this.next - this.ctx.currentTime);
  }

  close(): Promise<void> {
    return this.ctx.close();
  }
}
