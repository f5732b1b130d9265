// Reads a V8 heap snapshot (.heapsnapshot, the format `--heapsnapshot-signal` and v8.writeHeapSnapshot
// write) and says what holds the memory: retained sizes through the dominator tree (Cooper, Harvey and
// Kennedy's iterative algorithm over a reverse postorder; weak edges do not retain), as DevTools'
// "Retained Size" column computes them, plus self sizes by kind for what no named object holds.
import { readFileSync } from 'node:fs';

interface Graph {
  types: string[];
  /** Per node: type index, name, self size. */
  type: Uint8Array;
  name: string[];
  self: Float64Array;
  /** CSR adjacency of strong edges. */
  firstEdge: Uint32Array;
  target: Uint32Array;
}

function load(path: string): Graph {
  const snap = JSON.parse(readFileSync(path, 'utf8')) as {
    snapshot: {
      meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] };
    };
    nodes: number[];
    edges: number[];
    strings: string[];
  };
  const { meta } = snap.snapshot;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const [iType, iName, iSelf, iEdges] = ['type', 'name', 'self_size', 'edge_count'].map((f) =>
    meta.node_fields.indexOf(f)
  ) as [number, number, number, number];
  const [eType, eTo] = ['type', 'to_node'].map((f) => meta.edge_fields.indexOf(f)) as [number, number];
  const weak = meta.edge_types[0].indexOf('weak');
  const n = snap.nodes.length / nf;
  const type = new Uint8Array(n);
  const name: string[] = new Array<string>(n);
  const self = new Float64Array(n);
  const firstEdge = new Uint32Array(n + 1);
  const targets: number[] = [];
  let e = 0;
  for (let i = 0; i < n; i++) {
    const base = i * nf;
    type[i] = snap.nodes[base + iType]!;
    name[i] = snap.strings[snap.nodes[base + iName]!]!;
    self[i] = snap.nodes[base + iSelf]!;
    firstEdge[i] = targets.length;
    const count = snap.nodes[base + iEdges]!;
    for (let k = 0; k < count; k++, e++) {
      const eb = e * ef;
      if (snap.edges[eb + eType] === weak) continue;
      targets.push(snap.edges[eb + eTo]! / nf);
    }
  }
  firstEdge[n] = targets.length;
  return { types: meta.node_types[0], type, name, self, firstEdge, target: Uint32Array.from(targets) };
}

/** Immediate dominators from node 0 (the snapshot's root); unreachable nodes get -1. */
function dominators(g: Graph): Int32Array {
  const n = g.type.length;
  // Iterative DFS for a postorder.
  const order = new Int32Array(n).fill(-1);
  const post: number[] = [];
  const stack: number[] = [0];
  const cursor = new Uint32Array(n);
  order[0] = -2;
  while (stack.length) {
    const v = stack[stack.length - 1]!;
    const e = g.firstEdge[v]! + cursor[v]!;
    if (e < g.firstEdge[v + 1]!) {
      cursor[v]!++;
      const w = g.target[e]!;
      if (order[w] === -1) {
        order[w] = -2;
        stack.push(w);
      }
    } else {
      stack.pop();
      order[v] = post.length;
      post.push(v);
    }
  }
  // Predecessors (reachable ones only).
  const predCount = new Uint32Array(n + 1);
  for (let v = 0; v < n; v++)
    if (order[v]! >= 0) for (let e = g.firstEdge[v]!; e < g.firstEdge[v + 1]!; e++) predCount[g.target[e]! + 1]!++;
  for (let v = 0; v < n; v++) predCount[v + 1]! += predCount[v]!;
  const preds = new Uint32Array(predCount[n]!);
  const fill = predCount.slice(0, n);
  for (let v = 0; v < n; v++)
    if (order[v]! >= 0) for (let e = g.firstEdge[v]!; e < g.firstEdge[v + 1]!; e++) preds[fill[g.target[e]!]!++] = v;
  const idom = new Int32Array(n).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (order[a]! < order[b]!) a = idom[a]!;
      while (order[b]! < order[a]!) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let i = post.length - 2; i >= 0; i--) {
      const v = post[i]!;
      let d = -1;
      for (let p = predCount[v]!; p < predCount[v + 1]!; p++) {
        const u = preds[p]!;
        if (idom[u] === -1) continue;
        d = d === -1 ? u : intersect(u, d);
      }
      if (d !== -1 && idom[v] !== d) {
        idom[v] = d;
        changed = true;
      }
    }
  }
  return idom;
}

export interface HeapSummary {
  /** Sum of self sizes of the reachable nodes, MB. */
  totalMb: number;
  /** Retained MB by the instances of each requested constructor (instances inside another instance of the same name count once). */
  retained: Record<string, { instances: number; mb: number }>;
  /** Self MB by node kind (code, strings, objects...), for all reachable nodes. */
  byKind: Record<string, number>;
  /** Strings of at least 8 KB: module sources mostly (V8 keeps them for lazy compilation), MB. */
  largeStringsMb: number;
}

/** Summarizes a heap snapshot: the retained size of the objects named in `owners`, and the rest by kind. */
export function summarizeSnapshot(path: string, owners: readonly string[]): HeapSummary {
  const g = load(path);
  const idom = dominators(g);
  const n = g.type.length;
  // Retained sizes: children after parents in the dominator tree, so accumulate in reverse BFS order.
  const children = new Map<number, number[]>();
  for (let v = 1; v < n; v++) {
    const d = idom[v]!;
    if (d < 0) continue;
    let list = children.get(d);
    if (!list) children.set(d, (list = []));
    list.push(v);
  }
  const bfs: number[] = [0];
  for (let i = 0; i < bfs.length; i++) for (const c of children.get(bfs[i]!) ?? []) bfs.push(c);
  const retained = Float64Array.from(g.self);
  for (let i = bfs.length - 1; i > 0; i--) retained[idom[bfs[i]!]!]! += retained[bfs[i]!]!;
  const objectType = g.types.indexOf('object');
  const stringTypes = new Set(['string', 'concatenated string', 'sliced string'].map((t) => g.types.indexOf(t)));
  const wanted = new Set(owners);
  const out: HeapSummary['retained'] = Object.fromEntries(owners.map((o) => [o, { instances: 0, mb: 0 }]));
  const byKind: Record<string, number> = {};
  let total = 0;
  let largeStrings = 0;
  const mb = (b: number) => b / 1024 / 1024;
  for (const v of bfs) {
    total += g.self[v]!;
    const kind = g.types[g.type[v]!]!;
    byKind[kind] = (byKind[kind] ?? 0) + mb(g.self[v]!);
    if (stringTypes.has(g.type[v]!) && g.self[v]! >= 8192) largeStrings += g.self[v]!;
    if (g.type[v] !== objectType || !wanted.has(g.name[v]!)) continue;
    // Count an instance once: skip it when an instance of the same name dominates it.
    let d = idom[v]!;
    let nested = false;
    while (d !== 0 && d !== -1) {
      if (g.type[d] === objectType && g.name[d] === g.name[v]) {
        nested = true;
        break;
      }
      d = idom[d]!;
    }
    out[g.name[v]!]!.instances++;
    if (!nested) out[g.name[v]!]!.mb += mb(retained[v]!);
  }
  return { totalMb: mb(total), retained: out, byKind, largeStringsMb: mb(largeStrings) };
}
