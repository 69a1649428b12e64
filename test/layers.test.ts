// Imports point downward only (docs: README "Layout", DESIGN "Layers"): every relative import of
// a src/ module, static or dynamic, must land in the same folder or in a folder of a lower layer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { repoRoot } from './golden.js';

/**
 * Layer of each top-level folder of src/; folders of one layer may import each other. Voice
 * packages sit below training: loading a voice must not pull in the trainers.
 */
const LAYER: Record<string, number> = {
  util: 0, engine: 0, checkpoint: 0,
  audio: 1, text: 1,
  nn: 2,
  model: 3,
  voice: 4,
  data: 5, train: 5, eval: 5,
  api: 6,
  cli: 7, parity: 7, server: 7,
  // the browser entry point (prodiff/web), over the api like the CLI
  web: 7,
  // src/index.ts, the public API over everything
  '.': 8,
};

const src = join(repoRoot, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The top-level folder of src/ that holds a path ('.' for src/ itself). */
const folderOf = (p: string): string => {
  const parts = relative(src, p).split(sep);
  return parts.length === 1 ? '.' : parts[0]!;
};

/** Relative module specifiers of `import ... from`, `export ... from` and `import(...)`. */
function relativeImports(code: string): string[] {
  const specs: string[] = [];
  for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)) specs.push(m[1]!);
  return specs;
}

/** 'FILE imports SPEC (A -> B)' for every import of a higher layer, or one that leaves src/. */
function upwardImports(files: { file: string; code: string }[]): string[] {
  const bad: string[] = [];
  for (const { file, code } of files) {
    const from = folderOf(file);
    for (const spec of relativeImports(code)) {
      const target = resolve(dirname(file), spec);
      const where = relative(src, file);
      if (relative(src, target).startsWith('..')) {
        bad.push(`${where} imports ${spec} (outside src/)`);
        continue;
      }
      const to = folderOf(target);
      const [lf, lt] = [LAYER[from], LAYER[to]];
      if (lf === undefined || lt === undefined) bad.push(`${where} imports ${spec}: folder '${lf === undefined ? from : to}' has no layer in test/layers.test.ts`);
      else if (lt > lf) bad.push(`${where} imports ${spec} (${from}, layer ${lf} -> ${to}, layer ${lt})`);
    }
  }
  return bad;
}

test('src/ imports point downward only (engine < audio, text < nn < model < voice < data, train, eval < api < cli, parity)', () => {
  const files = sourceFiles(src);
  assert.ok(files.length > 50, `${files.length} source files found under ${src}`);
  assert.deepEqual(upwardImports(files.map((file) => ({ file, code: readFileSync(file, 'utf-8') }))), []);
});

test('the layer check sees static, re-export and dynamic imports', () => {
  assert.deepEqual(
    relativeImports(`import { a } from '../train/teacher.js';\nexport * from "./x.js";\nimport type { T } from '../parity/types.js';\nconst m = await import('../cli/main.js');\nimport './side-effect.js';\nimport fs from 'node:fs';`),
    ['../train/teacher.js', './x.js', '../parity/types.js', '../cli/main.js', './side-effect.js'],
  );
  const at = (p: string, code: string) => ({ file: join(src, ...p.split('/')), code });
  assert.deepEqual(upwardImports([
    at('voice/random.ts', "import { saveModel } from '../train/teacher.js';"),
    at('audio/x.ts', "import type { GoldenCase } from '../parity/types.js';\nimport { op } from '../engine/index.js';"),
    at('model/y.ts', "const m = await import('../nn/layers.js');\nimport { z } from './z.js';"),
    at('nn/w.ts', "import { q } from '../../test/q.js';"),
    at('mystery/v.ts', "import { op } from '../engine/index.js';"),
  ]), [
    'voice/random.ts imports ../train/teacher.js (voice, layer 4 -> train, layer 5)',
    'audio/x.ts imports ../parity/types.js (audio, layer 1 -> parity, layer 7)',
    'nn/w.ts imports ../../test/q.js (outside src/)',
    "mystery/v.ts imports ../engine/index.js: folder 'mystery' has no layer in test/layers.test.ts",
  ]);
});
