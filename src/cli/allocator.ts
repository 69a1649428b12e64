// Training commands re-run themselves once with glibc's malloc told to keep large blocks. Every
// training step hands the whole parameter and optimizer state out of ONNX Runtime (tens of MB
// per tensor at paper size); with glibc's defaults those blocks are mmap'ed and trimmed back to
// the kernel after each step, so the next step faults every page in again. Measured on the
// paper-size denoiser (bench:engine --batch 1 --channels 256 --layers 20 --cond 256
// --dilation-cycle 1): median step 342-375 ms with the defaults, 201-215 ms with these settings.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

const SETTINGS: Record<string, string> = { MALLOC_MMAP_THRESHOLD_: '2000000000', MALLOC_TRIM_THRESHOLD_: '4000000000' };

/** Whether this process should re-run itself with the allocator settings (Linux/glibc, not yet set). */
export function needsAllocatorSettings(env: NodeJS.ProcessEnv = process.env): boolean {
  return process.platform === 'linux' && env.PRODIFF_MALLOC_DEFAULTS !== '1' && Object.keys(SETTINGS).some((k) => env[k] === undefined);
}

/**
 * Runs this same command line in a child process with the allocator settings, forwarding
 * SIGINT/SIGTERM (so a stopped training run still writes its checkpoint), and resolves to its
 * exit code.
 */
export function rerunWithAllocatorSettings(): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...SETTINGS, ...process.env },
  });
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  const handlers = { SIGINT: forward('SIGINT'), SIGTERM: forward('SIGTERM') };
  for (const [sig, h] of Object.entries(handlers)) process.on(sig, h);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      for (const [sig, h] of Object.entries(handlers)) process.off(sig, h);
      resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1));
    });
    child.on('error', () => resolve(1));
  });
}
