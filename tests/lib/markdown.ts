// Links, images and heading anchors of a markdown file, read with `marked`'s lexer (so links inside code
// blocks and code spans are not links, as on GitHub), and the check that every relative one resolves.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { Lexer, type Token, type Tokens } from 'marked';

export interface Reference {
  kind: 'link' | 'image';
  target: string;
}

function walk(tokens: Token[], visit: (t: Token) => void): void {
  for (const t of tokens) {
    visit(t);
    const nested = t as { tokens?: Token[]; items?: Token[] };
    if (nested.tokens) walk(nested.tokens, visit);
    if (nested.items) walk(nested.items, visit);
    if (t.type === 'table') {
      const table = t as Tokens.Table;
      for (const cell of table.header) walk(cell.tokens, visit);
      for (const row of table.rows) for (const cell of row) walk(cell.tokens, visit);
    }
  }
}

/** The heading's text as GitHub renders it: inline markup dropped, code spans and links by their text. */
function plainText(tokens: Token[]): string {
  return tokens
    .map((t) => {
      const nested = (t as { tokens?: Token[] }).tokens;
      if (nested && t.type !== 'codespan') return plainText(nested);
      if (t.type === 'html') return '';
      return (t as { text?: string }).text ?? '';
    })
    .join('');
}

/** GitHub's anchor of a heading (github-slugger): lower case, punctuation dropped, spaces to hyphens. */
export function slug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a page offers: its headings' slugs (repeats get -1, -2, …) and explicit `id`/`name`s. */
export function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  walk(new Lexer().lex(markdown), (t) => {
    if (t.type === 'heading') {
      const base = slug(plainText((t as Tokens.Heading).tokens));
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      out.add(n === 0 ? base : `${base}-${n}`);
    }
    if (t.type === 'html') for (const m of t.raw.matchAll(/\b(?:id|name)\s*=\s*["']([^"']+)["']/g)) out.add(m[1]!);
  });
  return out;
}

/** Every link and image of a page, from markdown syntax and from inline HTML (`href`, `src`). */
export function references(markdown: string): Reference[] {
  const out: Reference[] = [];
  walk(new Lexer().lex(markdown), (t) => {
    if (t.type === 'link') out.push({ kind: 'link', target: (t as Tokens.Link).href });
    if (t.type === 'image') out.push({ kind: 'image', target: (t as Tokens.Image).href });
    if (t.type === 'html')
      for (const m of t.raw.matchAll(/\b(href|src)\s*=\s*["']([^"']+)["']/g))
        out.push({ kind: m[1] === 'src' ? 'image' : 'link', target: m[2]! });
  });
  return out;
}

/** A reference that leaves the repository (a URL with a scheme, or protocol-relative). */
export function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');
}

/**
 * The relative links and images of `file` that do not resolve: a path that does not exist, or an anchor
 * that the target page (or the page itself, for `#anchor`) has no heading for. `root` bounds the paths.
 * `base` is the directory relative targets are resolved against (the file's own by default).
 */
export function brokenReferences(file: string, root: string, base = dirname(file)): string[] {
  const problems: string[] = [];
  const name = relative(root, file);
  const own = readFileSync(file, 'utf8');
  for (const { kind, target } of references(own)) {
    if (isExternal(target)) continue;
    const [rawPath = '', anchor] = target.split('#', 2);
    const path = decodeURIComponent(rawPath.split('?')[0]!);
    const resolved = path ? resolve(base, path) : file;
    if (relative(root, resolved).startsWith('..')) {
      problems.push(`${name}: ${kind} ${target} points outside the repository`);
      continue;
    }
    if (!existsSync(resolved)) {
      problems.push(`${name}: ${kind} ${target}: ${relative(root, resolved)} does not exist`);
      continue;
    }
    if (anchor === undefined) continue;
    if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) {
      problems.push(`${name}: ${kind} ${target}: an anchor into something that is not a markdown page`);
      continue;
    }
    const page = resolved === file ? own : readFileSync(resolved, 'utf8');
    if (!anchors(page).has(anchor))
      problems.push(`${name}: ${kind} ${target}: ${relative(root, resolved)} has no heading #${anchor}`);
  }
  return problems;
}
