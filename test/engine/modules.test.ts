// The engine's module structure, read from the compiled JavaScript (type-only imports are gone
// there): no side-effect imports, and no import cycle outside the op builders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const engineDir = fileURLToPath(new URL('../../src/engine/', import.meta.url));

function moduleFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return moduleFiles(p);
    return e.name.endsWith('.js') ? [p] : [];
  });
}

const modules = new Map(moduleFiles(engineDir).map((f) => [relative(engineDir, f), readFileSync(f, 'utf-8')]));

/** Engine modules that `name` imports at run time (static, re-export and dynamic imports). */
function runtimeImports(name: string): string[] {
  const code = modules.get(name)!;
  const specs = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]!);
  return specs.map((s) => relative(engineDir, resolve(dirname(join(engineDir, name)), s)));
}

/** Strongly connected components of the import graph (Tarjan), as sorted module lists. */
function importCycles(): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of runtimeImports(v)) {
      if (!modules.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) cycles.push(scc.sort());
    }
  };
  for (const m of modules.keys()) if (!index.has(m)) visit(m);
  return cycles;
}

test('engine modules have no side-effect imports', () => {
  const bare = [...modules].flatMap(([name, code]) => [...code.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)].map((m) => `${name} imports ${m[1]}`));
  assert.deepEqual(bare, []);
});

test('engine imports are acyclic outside the op builders', () => {
  assert.ok(modules.has('graph.js') && modules.has('registry.js'), `engine modules found under ${engineDir}`);
  // Op builders and gradient rules call one another (an element-wise gradient sums with
  // reduceSum, a reduction's gradient casts): ops/ modules may form cycles among themselves,
  // through function references only. Any other module on a cycle is an error.
  const bad = importCycles().filter((scc) => scc.some((m) => !m.startsWith('ops/')));
  assert.deepEqual(bad, []);
});
