// Dimensions: a number, or a symbolic product such as "B", "B*T" or "2*T" (coefficient first).
// Symbolic dims let one graph serve every batch size and length; their algebra here is just
// enough for reshapes that merge or split axes.

export type Dim = number | string;
export type Shape = readonly Dim[];

/** A dim as a polynomial: monomial key (sorted symbols joined by '*', '' for the constant) -> coefficient. */
type Poly = Map<string, number>;

function parse(d: Dim): Poly {
  const p: Poly = new Map();
  if (typeof d === 'number') {
    if (d !== 0) p.set('', d);
    return p;
  }
  const s = d.replace(/\s+/g, '');
  if (/[()/?]/.test(s)) {
    // Opaque (e.g. a strided length): a symbol of its own.
    p.set(s, 1);
    return p;
  }
  for (const term of s.split(/(?=[+-])/)) {
    if (term === '') continue;
    let coeff = 1;
    let body = term;
    if (body.startsWith('+')) body = body.slice(1);
    else if (body.startsWith('-')) {
      coeff = -1;
      body = body.slice(1);
    }
    const symbols: string[] = [];
    for (const f of body.split('*')) {
      if (/^\d+$/.test(f)) coeff *= Number(f);
      else if (f.length > 0) symbols.push(f);
    }
    symbols.sort();
    const key = symbols.join('*');
    p.set(key, (p.get(key) ?? 0) + coeff);
    if (p.get(key) === 0) p.delete(key);
  }
  return p;
}

function format(p: Poly): Dim {
  const keys = [...p.keys()].filter((k) => k !== '').sort();
  const constant = p.get('') ?? 0;
  if (keys.length === 0) return constant;
  let out = '';
  for (const k of keys) {
    const c = p.get(k)!;
    const mag = Math.abs(c) === 1 ? k : `${Math.abs(c)}*${k}`;
    out += out === '' ? (c < 0 ? `-${mag}` : mag) : c < 0 ? `-${mag}` : `+${mag}`;
  }
  if (constant !== 0) out += constant < 0 ? `${constant}` : `+${constant}`;
  return out;
}

/** Normalises a dim (e.g. "T+2-2" -> "T"). */
export function canonicalDim(d: Dim): Dim {
  return format(parse(d));
}

function isStatic(d: Dim): d is number {
  return typeof d === 'number';
}

export function allStatic(shape: Shape): shape is readonly number[] {
  return shape.every(isStatic);
}

export function dimEq(a: Dim, b: Dim): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  return format(parse(a)) === format(parse(b));
}

export function dimAdd(a: Dim, b: Dim): Dim {
  const p = parse(a);
  for (const [k, c] of parse(b)) {
    p.set(k, (p.get(k) ?? 0) + c);
    if (p.get(k) === 0) p.delete(k);
  }
  return format(p);
}

export function dimMul(a: Dim, b: Dim): Dim {
  const out: Poly = new Map();
  for (const [ka, ca] of parse(a)) {
    for (const [kb, cb] of parse(b)) {
      const key = [...ka.split('*'), ...kb.split('*')].filter((x) => x !== '').sort().join('*');
      out.set(key, (out.get(key) ?? 0) + ca * cb);
      if (out.get(key) === 0) out.delete(key);
    }
  }
  return format(out);
}

/** a / b when b is a single term dividing every term of a exactly, else undefined. */
export function dimDiv(a: Dim, b: Dim): Dim | undefined {
  const pb = parse(b);
  if (pb.size !== 1) return dimEq(a, b) ? 1 : undefined;
  const [[kb, cb]] = [...pb] as [[string, number]];
  const bs = kb === '' ? [] : kb.split('*');
  const out: Poly = new Map();
  for (const [ka, ca] of parse(a)) {
    if (ca % cb !== 0) return undefined;
    const rest = ka === '' ? [] : ka.split('*');
    for (const s of bs) {
      const i = rest.indexOf(s);
      if (i < 0) return undefined;
      rest.splice(i, 1);
    }
    out.set(rest.join('*'), ca / cb);
  }
  return format(out);
}

export function dimProduct(dims: Shape): Dim {
  return dims.reduce<Dim>((acc, d) => dimMul(acc, d), 1);
}

/** The dim as terms: coefficient and the symbols multiplied (constant term: no symbols). */
export function dimTerms(d: Dim): { coeff: number; symbols: string[] }[] {
  return [...parse(d)].map(([k, c]) => ({ coeff: c, symbols: k === '' ? [] : k.split('*') }));
}

export function shapeStr(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function normAxis(axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`${what}: axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** Numpy-style broadcast of two shapes; throws naming the op when they cannot broadcast. */
export function broadcastShapes(a: Shape, b: Shape, op: string): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)]!;
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)]!;
    if (dimEq(da, db)) out.push(typeof da === 'number' ? da : canonicalDim(da));
    else if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else throw new Error(`${op}: shapes ${shapeStr(a)} and ${shapeStr(b)} do not broadcast (axis ${i}: ${da} vs ${db})`);
  }
  return out;
}

/** Axes of `out` that must be summed to bring a broadcast gradient back to `shape`. */
export function broadcastReduceAxes(shape: Shape, out: Shape): number[] {
  const lead = out.length - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < out.length; i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && out[i] !== 1) axes.push(i);
  }
  return axes;
}
