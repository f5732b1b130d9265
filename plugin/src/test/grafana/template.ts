// The templating Grafana applies to a plugin route's `url`, `headers[].content` and `body`: Go's
// text/template over `templateData{URL, JsonData, SecureJsonData}` with one extra function, `orEmpty`
// (grafana/grafana pkg/api/pluginproxy/utils.go `interpolateString`, and the `templateData` struct of
// pkg/api/pluginproxy/pluginproxy.go; stored copies read 2026-11-29). This is a port of the part of
// text/template that route templates use, with Go's semantics where they differ from JavaScript's:
//   - a missing map key prints "<no value>" (text/template's default `missingkey=default`), so a route
//     whose secret was never saved sends `Bearer <no value>`, as Grafana does;
//   - JSON numbers are float64 and print with %v (`1e+06`, not `1000000`); null prints "<no value>";
//   - `if`/`else if`/`else`/`end`, `not`/`and`/`or`/`eq`/`ne`, pipelines (`.X | orEmpty`), comments and
//     `{{-`/`-}}` trimming are supported; anything else (range, with, define, printf, variables) is
//     refused as a parse error rather than guessed at.
// Errors carry Grafana's messages: "could not parse template <text>" / "failed to execute template <text>".

export interface TemplateData {
  URL?: string;
  JsonData: Record<string, unknown>;
  SecureJsonData: Record<string, string>;
}

export class TemplateError extends Error {}

/** A reflect.Value that is not valid: what a missing map key evaluates to. */
const INVALID = Symbol('invalid');
type Value = unknown;

type Arg =
  | { kind: 'field'; path: string[] }
  | { kind: 'literal'; value: Value }
  | { kind: 'func'; name: string }
  | { kind: 'pipe'; pipe: Pipe };
type Command = Arg[];
type Pipe = Command[];

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipe }
  | { kind: 'if'; pipe: Pipe; then: Node[]; else: Node[] };

const FUNCS = new Set(['orEmpty', 'not', 'and', 'or', 'eq', 'ne']);

// ---------------------------------------------------------------------------------------------- lexing

interface Token {
  kind: 'text' | 'action';
  text: string;
}

function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (trimNext) {
      text = text.replace(/^\s+/, '');
    }
    if (open < 0) {
      out.push({ kind: 'text', text });
      break;
    }
    let body = src.slice(open + 2);
    const trimLeft = /^-[ \t\r\n]/.test(body);
    if (trimLeft) {
      text = text.replace(/\s+$/, '');
      body = body.slice(1);
    }
    out.push({ kind: 'text', text });
    const close = findClose(body);
    if (close < 0) {
      throw new Error('unclosed action');
    }
    let inner = body.slice(0, close);
    trimNext = /[ \t\r\n]-$/.test(inner);
    if (trimNext) {
      inner = inner.slice(0, -1);
    }
    out.push({ kind: 'action', text: inner.trim() });
    i = open + 2 + (trimLeft ? 1 : 0) + close + 2;
  }
  return out.filter((t) => t.kind === 'action' || t.text !== '');
}

/** Index of the `}}` that closes an action, skipping quoted strings. */
function findClose(s: string): number {
  let quote = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') {
        i++;
      } else if (c === quote) {
        quote = '';
      }
    } else if (c === '"' || c === '`') {
      quote = c;
    } else if (c === '}' && s[i + 1] === '}') {
      return i;
    }
  }
  return -1;
}

// --------------------------------------------------------------------------------------------- parsing

function tokenizeAction(s: string): string[] {
  const words: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\(|\)|\||[^\s()|]+)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    words.push(m[1]!);
  }
  if (words.join('').replace(/\s/g, '') !== s.replace(/\s/g, '')) {
    throw new Error(`bad action ${s}`);
  }
  return words;
}

function parsePipe(words: string[]): Pipe {
  let pos = 0;
  const pipe = (): Pipe => {
    const commands: Pipe = [[]];
    while (pos < words.length) {
      const w = words[pos]!;
      if (w === ')') {
        break;
      }
      pos++;
      if (w === '|') {
        commands.push([]);
        continue;
      }
      let arg: Arg;
      if (w === '(') {
        const inner = pipe();
        if (words[pos++] !== ')') {
          throw new Error('unclosed (');
        }
        arg = { kind: 'pipe', pipe: inner };
      } else if (w === '.') {
        arg = { kind: 'field', path: [] };
      } else if (/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(w)) {
        arg = { kind: 'field', path: w.slice(1).split('.') };
      } else if (w.startsWith('"')) {
        arg = { kind: 'literal', value: JSON.parse(w) };
      } else if (w.startsWith('`')) {
        arg = { kind: 'literal', value: w.slice(1, -1) };
      } else if (w === 'true' || w === 'false') {
        arg = { kind: 'literal', value: w === 'true' };
      } else if (w === 'nil') {
        arg = { kind: 'literal', value: null };
      } else if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(w)) {
        arg = { kind: 'literal', value: Number(w) };
      } else if (FUNCS.has(w)) {
        arg = { kind: 'func', name: w };
      } else {
        throw new Error(`function "${w}" not defined`);
      }
      commands[commands.length - 1]!.push(arg);
    }
    if (commands.some((c) => c.length === 0)) {
      throw new Error('missing command');
    }
    return commands;
  };
  const p = pipe();
  if (pos !== words.length) {
    throw new Error('unexpected )');
  }
  return p;
}

function parse(src: string): Node[] {
  const tokens = lex(src);
  let pos = 0;
  // Returns the nodes up to an `else`/`end` (which it consumes and reports) or the end of input.
  const list = (inIf: boolean): { nodes: Node[]; stop?: 'end' | 'else' | 'elseif'; elsePipe?: Pipe } => {
    const nodes: Node[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos++]!;
      if (t.kind === 'text') {
        nodes.push({ kind: 'text', text: t.text });
        continue;
      }
      if (/^\/\*[\s\S]*\*\/$/.test(t.text)) {
        continue; // a comment
      }
      const words = tokenizeAction(t.text);
      const head = words[0];
      if (head === 'if') {
        nodes.push(ifNode(parsePipe(words.slice(1))));
      } else if (head === 'else' || head === 'end') {
        if (!inIf) {
          throw new Error(`unexpected {{${head}}}`);
        }
        if (head === 'end') {
          return { nodes, stop: 'end' };
        }
        if (words[1] === 'if') {
          return { nodes, stop: 'elseif', elsePipe: parsePipe(words.slice(2)) };
        }
        if (words.length > 1) {
          throw new Error('unexpected words after else');
        }
        return { nodes, stop: 'else' };
      } else if (
        ['range', 'with', 'define', 'template', 'block', 'break', 'continue'].includes(head ?? '') ||
        head?.startsWith('$')
      ) {
        throw new Error(`{{${head}}} is not supported by this port`);
      } else {
        nodes.push({ kind: 'action', pipe: parsePipe(words) });
      }
    }
    if (inIf) {
      throw new Error('unexpected EOF');
    }
    return { nodes };
  };
  const ifNode = (pipe: Pipe): Node => {
    const then = list(true);
    let elseNodes: Node[] = [];
    if (then.stop === 'else') {
      const rest = list(true);
      if (rest.stop !== 'end') {
        throw new Error('expected end');
      }
      elseNodes = rest.nodes;
    } else if (then.stop === 'elseif') {
      elseNodes = [ifNode(then.elsePipe!)];
    }
    return { kind: 'if', pipe, then: then.nodes, else: elseNodes };
  };
  return list(false).nodes;
}

// ------------------------------------------------------------------------------------------ evaluation

const isMap = (v: Value): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function field(data: TemplateData, path: string[]): Value {
  let v: Value = data;
  path.forEach((name, i) => {
    if (i === 0) {
      if (!['URL', 'JsonData', 'SecureJsonData'].includes(name)) {
        throw new Error(`can't evaluate field ${name} in type pluginproxy.templateData`);
      }
      v = (data as unknown as Record<string, unknown>)[name] ?? (name === 'URL' ? '' : {});
      return;
    }
    if (v === INVALID || v === null) {
      throw new Error(`nil pointer evaluating interface {}.${name}`);
    }
    if (!isMap(v)) {
      throw new Error(`can't evaluate field ${name} in type ${typeof v}`);
    }
    v = Object.prototype.hasOwnProperty.call(v, name) ? v[name] : INVALID;
  });
  return v;
}

function truth(v: Value): boolean {
  if (v === INVALID || v === null || v === undefined) {
    return false;
  }
  if (typeof v === 'string') {
    return v.length > 0;
  }
  if (typeof v === 'number') {
    return v !== 0;
  }
  if (typeof v === 'boolean') {
    return v;
  }
  if (Array.isArray(v)) {
    return v.length > 0;
  }
  return Object.keys(v as object).length > 0;
}

function call(name: string, args: Value[]): Value {
  switch (name) {
    case 'orEmpty':
      if (args.length !== 1) {
        throw new Error('wrong number of args for orEmpty');
      }
      return args[0] === INVALID || args[0] === null ? '' : args[0];
    case 'not':
      return !truth(args[0]);
    case 'and':
      return args.find((a) => !truth(a)) ?? args[args.length - 1];
    case 'or':
      return args.find((a) => truth(a)) ?? args[args.length - 1];
    case 'eq':
      return args.slice(1).some((a) => a === args[0]);
    case 'ne':
      return args[0] !== args[1];
  }
  throw new Error(`function "${name}" not defined`);
}

function evalPipe(pipe: Pipe, data: TemplateData): Value {
  let prev: Value | undefined;
  pipe.forEach((cmd, i) => {
    const args = cmd.map((a): Value => {
      switch (a.kind) {
        case 'field':
          return a.path.length === 0 ? data : field(data, a.path);
        case 'literal':
          return a.value;
        case 'pipe':
          return evalPipe(a.pipe, data);
        case 'func':
          return a;
      }
    });
    const head = cmd[0]!;
    if (head.kind === 'func') {
      const rest = args.slice(1);
      prev = call(head.name, i > 0 ? [...rest, prev] : rest);
    } else if (cmd.length > 1 || i > 0) {
      throw new Error(`can't give argument to non-function ${JSON.stringify(head)}`);
    } else {
      prev = args[0];
    }
  });
  return prev;
}

/**
 * strconv.FormatFloat(f, 'g', -1, 64), which fmt's %v uses for float64: the shortest digits, in
 * exponent form when the exponent is below -4 or at least 6 ("if precision was the shortest possible,
 * use precision 6 for this decision"), so a JSON 1000000 prints as 1e+06.
 */
export function goFloat(f: number): string {
  if (Number.isNaN(f)) {
    return 'NaN';
  }
  if (!Number.isFinite(f)) {
    return f > 0 ? '+Inf' : '-Inf';
  }
  if (f === 0) {
    return Object.is(f, -0) ? '-0' : '0';
  }
  const [mantissa, expPart] = f.toExponential().split('e') as [string, string];
  const exp = Number(expPart);
  if (exp < -4 || exp >= 6) {
    return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  // JavaScript prints the same shortest digits without an exponent in this range.
  return String(f);
}

function print(v: Value): string {
  if (v === INVALID || v === null || v === undefined) {
    return '<no value>';
  }
  if (typeof v === 'string') {
    return v;
  }
  if (typeof v === 'number') {
    return goFloat(v);
  }
  if (typeof v === 'boolean') {
    return String(v);
  }
  if (Array.isArray(v)) {
    return `[${v.map((x) => (x === null ? '<nil>' : print(x))).join(' ')}]`;
  }
  const m = v as Record<string, unknown>;
  return `map[${Object.keys(m)
    .sort()
    .map((k) => `${k}:${m[k] === null ? '<nil>' : print(m[k])}`)
    .join(' ')}]`;
}

function exec(nodes: Node[], data: TemplateData): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') {
      out += n.text;
    } else if (n.kind === 'action') {
      out += print(evalPipe(n.pipe, data));
    } else {
      out += exec(truth(evalPipe(n.pipe, data)) ? n.then : n.else, data);
    }
  }
  return out;
}

/** interpolateString: the template executed over `data`, or a TemplateError with Grafana's message. */
export function interpolateString(text: string, data: TemplateData): string {
  let nodes: Node[];
  try {
    nodes = parse(text);
  } catch {
    throw new TemplateError(`could not parse template ${text}`);
  }
  try {
    return exec(nodes, data);
  } catch {
    throw new TemplateError(`failed to execute template ${text}`);
  }
}
