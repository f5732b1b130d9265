// Grafana's route tree, ported line by line from grafana/grafana pkg/web/tree.go (commit
// e6c1350783598e70990ab4cc4dd719072c5cda33; the file is Macaron's, Apache-2.0). Grafana's plugin proxy
// builds one of these per plugin.json route (`web.NewTree(); t.Add(route.Path, nil); t.Match(proxyPath)`
// in pkg/api/pluginproxy/pluginproxy.go), so this is what decides whether a proxied call reaches the
// route's upstream or gets Grafana's 404 "plugin route match not found". Nothing here matches by
// prefix: a subpath only matches a trailing `*`, and its value is the `*` param.
//
// Differences from the Go code: Go's url.PathUnescape works on bytes; here an escape that is not valid
// UTF-8 decodes to Latin-1 characters instead (the match result is the same for ASCII patterns).

enum PatternType {
  Static = 0, //   /home
  Regexp = 1, //   /:id([0-9]+)
  PathExt = 2, //  /*.*
  Holder = 3, //   /:user
  MatchAll = 4, // /*
}

export type Params = Record<string, string>;

const wildcardPattern = /:[a-zA-Z0-9]+/;

function isSpecialRegexp(pattern: string, regStr: string, pos: [number, number]): boolean {
  return pattern.length >= pos[1] + regStr.length && pattern.slice(pos[1], pos[1] + regStr.length) === regStr;
}

function replaceOnce(s: string, search: string, replacement: string): string {
  const i = s.indexOf(search);
  return i < 0 ? s : s.slice(0, i) + replacement + s.slice(i + search.length);
}

/** getNextWildcard: the next `:name` and the pattern with it replaced by its regular expression. */
function getNextWildcard(pattern: string): [string, string] {
  const m = wildcardPattern.exec(pattern);
  if (!m) {
    return ['', pattern];
  }
  const pos: [number, number] = [m.index, m.index + m[0].length];
  const wildcard = m[0];
  // Reach last character or no regexp is given.
  if (pattern.length === pos[1]) {
    return [wildcard, replaceOnce(pattern, wildcard, '(.+)')];
  } else if (pattern[pos[1]] !== '(') {
    if (isSpecialRegexp(pattern, ':int', pos)) {
      pattern = replaceOnce(pattern, ':int', '([0-9]+)');
    } else if (isSpecialRegexp(pattern, ':string', pos)) {
      pattern = replaceOnce(pattern, ':string', '([\\w]+)');
    } else {
      return [wildcard, replaceOnce(pattern, wildcard, '(.+)')];
    }
  }
  // Cut out placeholder directly.
  return [wildcard, pattern.slice(0, pos[0]) + pattern.slice(pos[1])];
}

function getWildcards(pattern: string): [string, string[]] {
  const wildcards: string[] = [];
  for (;;) {
    const [wildcard, next] = getNextWildcard(pattern);
    pattern = next;
    if (wildcard.length > 0) {
      wildcards.push(wildcard);
    } else {
      break;
    }
  }
  return [pattern, wildcards];
}

interface Checked {
  typ: PatternType;
  wildcards: string[];
  reg?: RegExp;
}

function checkPattern(pattern: string): Checked {
  pattern = pattern.replace(/^\?+/, '');
  let typ = PatternType.Static;
  let wildcards: string[] = [];
  let reg: RegExp | undefined;
  if (pattern === '*') {
    typ = PatternType.MatchAll;
  } else if (pattern === '*.*') {
    typ = PatternType.PathExt;
  } else if (pattern.includes(':')) {
    typ = PatternType.Regexp;
    [pattern, wildcards] = getWildcards(pattern);
    if (pattern === '(.+)') {
      typ = PatternType.Holder;
    } else {
      // Go's FindStringSubmatch is unanchored, and so is RegExp.exec.
      reg = new RegExp(pattern);
    }
  }
  return { typ, wildcards, reg };
}

class Leaf<H> {
  readonly typ: PatternType;
  readonly wildcards: string[];
  readonly reg?: RegExp;
  readonly optional: boolean;

  constructor(
    readonly parent: Tree<H>,
    readonly pattern: string,
    readonly handle: H
  ) {
    ({ typ: this.typ, wildcards: this.wildcards, reg: this.reg } = checkPattern(pattern));
    this.optional = pattern.length > 0 && pattern[0] === '?';
  }
}

/** PathUnescape as Go has it: `%` must be followed by two hex digits; `+` stays `+`. */
export function pathUnescape(s: string): string | undefined {
  if (/%(?![0-9a-fA-F]{2})/.test(s)) {
    return undefined;
  }
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}

export class Tree<H = unknown> {
  readonly typ: PatternType;
  readonly wildcards: string[];
  readonly reg?: RegExp;
  readonly subtrees: Array<Tree<H>> = [];
  readonly leaves: Array<Leaf<H>> = [];

  constructor(
    readonly parent: Tree<H> | undefined = undefined,
    readonly pattern = ''
  ) {
    ({ typ: this.typ, wildcards: this.wildcards, reg: this.reg } = checkPattern(pattern));
  }

  private addLeaf(pattern: string, handle: H): Leaf<H> {
    for (const l of this.leaves) {
      if (l.pattern === pattern) {
        return l;
      }
    }
    const leaf = new Leaf(this, pattern, handle);
    // Add exact same leaf to grandparent/parent level without optional.
    if (leaf.optional) {
      const parent = leaf.parent;
      if (parent.parent !== undefined) {
        parent.parent.addLeaf(parent.pattern, handle);
      } else {
        parent.addLeaf('', handle); // Root tree can add as empty pattern.
      }
    }
    let i = 0;
    for (; i < this.leaves.length; i++) {
      if (leaf.typ < this.leaves[i]!.typ) {
        break;
      }
    }
    this.leaves.splice(i, 0, leaf);
    return leaf;
  }

  private addSubtree(segment: string, pattern: string, handle: H): Leaf<H> {
    for (const t of this.subtrees) {
      if (t.pattern === segment) {
        return t.addNextSegment(pattern, handle);
      }
    }
    const subtree = new Tree<H>(this, segment);
    let i = 0;
    for (; i < this.subtrees.length; i++) {
      if (subtree.typ < this.subtrees[i]!.typ) {
        break;
      }
    }
    this.subtrees.splice(i, 0, subtree);
    return subtree.addNextSegment(pattern, handle);
  }

  private addNextSegment(pattern: string, handle: H): Leaf<H> {
    pattern = pattern.startsWith('/') ? pattern.slice(1) : pattern;
    const i = pattern.indexOf('/');
    if (i === -1) {
      return this.addLeaf(pattern, handle);
    }
    return this.addSubtree(pattern.slice(0, i), pattern.slice(i + 1), handle);
  }

  add(pattern: string, handle: H): void {
    pattern = pattern.endsWith('/') ? pattern.slice(0, -1) : pattern;
    this.addNextSegment(pattern, handle);
  }

  private matchLeaf(globLevel: number, rawUrl: string, params: Params): [H, true] | undefined {
    const url = pathUnescape(rawUrl);
    if (url === undefined) {
      return undefined;
    }
    for (const leaf of this.leaves) {
      switch (leaf.typ) {
        case PatternType.Static:
          if (leaf.pattern === url) {
            return [leaf.handle, true];
          }
          break;
        case PatternType.Regexp: {
          const results = leaf.reg!.exec(url);
          // Number of results and wildcards should be exact same.
          if (!results || results.length - 1 !== leaf.wildcards.length) {
            break;
          }
          leaf.wildcards.forEach((w, j) => (params[w] = results[j + 1] ?? ''));
          return [leaf.handle, true];
        }
        case PatternType.PathExt: {
          const j = url.lastIndexOf('.');
          if (j > -1) {
            params[':path'] = url.slice(0, j);
            params[':ext'] = url.slice(j + 1);
          } else {
            params[':path'] = url;
          }
          return [leaf.handle, true];
        }
        case PatternType.Holder:
          params[leaf.wildcards[0]!] = url;
          return [leaf.handle, true];
        case PatternType.MatchAll:
          params['*'] = url;
          params[`*${globLevel}`] = url;
          return [leaf.handle, true];
      }
    }
    return undefined;
  }

  private matchSubtree(globLevel: number, segment: string, url: string, params: Params): [H, true] | undefined {
    const unescapedSegment = pathUnescape(segment);
    if (unescapedSegment === undefined) {
      return undefined;
    }
    for (const t of this.subtrees) {
      switch (t.typ) {
        case PatternType.Static:
          if (t.pattern === unescapedSegment) {
            const m = t.matchNextSegment(globLevel, url, params);
            if (m) {
              return m;
            }
          }
          break;
        case PatternType.Regexp: {
          const results = t.reg!.exec(unescapedSegment);
          if (!results || results.length - 1 !== t.wildcards.length) {
            break;
          }
          t.wildcards.forEach((w, j) => (params[w] = results[j + 1] ?? ''));
          const m = t.matchNextSegment(globLevel, url, params);
          if (m) {
            return m;
          }
          break;
        }
        case PatternType.Holder: {
          const m = t.matchNextSegment(globLevel + 1, url, params);
          if (m) {
            params[t.wildcards[0]!] = unescapedSegment;
            return m;
          }
          break;
        }
        case PatternType.MatchAll: {
          const m = t.matchNextSegment(globLevel + 1, url, params);
          if (m) {
            params[`*${globLevel}`] = unescapedSegment;
            return m;
          }
          break;
        }
        default: // ignore
      }
    }

    if (this.leaves.length > 0) {
      const leaf = this.leaves[this.leaves.length - 1]!;
      const unescapedURL = pathUnescape(`${segment}/${url}`);
      if (unescapedURL === undefined) {
        return undefined;
      }
      if (leaf.typ === PatternType.PathExt) {
        const j = unescapedURL.lastIndexOf('.');
        if (j > -1) {
          params[':path'] = unescapedURL.slice(0, j);
          params[':ext'] = unescapedURL.slice(j + 1);
        } else {
          params[':path'] = unescapedURL;
        }
        return [leaf.handle, true];
      } else if (leaf.typ === PatternType.MatchAll) {
        params['*'] = unescapedURL;
        params[`*${globLevel}`] = unescapedURL;
        return [leaf.handle, true];
      }
    }
    return undefined;
  }

  private matchNextSegment(globLevel: number, url: string, params: Params): [H, true] | undefined {
    const i = url.indexOf('/');
    if (i === -1) {
      return this.matchLeaf(globLevel, url, params);
    }
    return this.matchSubtree(globLevel, url.slice(0, i), url.slice(i + 1), params);
  }

  /** Tree.Match: the handle, the params (`*` is the subpath a trailing `*` matched) and whether it matched. */
  match(url: string): { handle?: H; params: Params; ok: boolean } {
    url = url.startsWith('/') ? url.slice(1) : url;
    url = url.endsWith('/') ? url.slice(0, -1) : url;
    const params: Params = {};
    const m = this.matchNextSegment(0, url, params);
    return m ? { handle: m[0], params, ok: true } : { params, ok: false };
  }
}

/** MatchTest: whether `url` matches `pattern`. */
export function matchTest(pattern: string, url: string): boolean {
  const t = new Tree();
  t.add(pattern, null);
  return t.match(url).ok;
}
