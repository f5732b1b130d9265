// Grafana's plugin loader, ported from grafana/grafana public/app/features/plugins/loader/ (stored copies
// read 2026-11-29): systemjs.ts (SystemJS with the AMD and named-register extras), utils.ts
// (buildImportMap/addPreload: every shared dependency is registered as `package:<name>` and bare names
// are mapped to it with an import map; lazy entries go through System.register), systemjsHooks.ts
// (fetch every module and hand JavaScript back as a Blob, add `?_cache=<version>` to plugin files,
// apply CSS modules on load), pluginInfoCache.ts (the cache-busting version per plugin) and
// constants.ts. plugin_loader.ts's importPluginModule is `System.import(meta.module)`.
import 'systemjs/dist/system.js';
import 'systemjs/dist/extras/amd.js';
import 'systemjs/dist/extras/named-register.js';

type Module = Record<string, unknown>;
type Preload = Module | (() => Promise<Module>);

interface SystemJSLike {
  set(id: string, module: Module): void;
  has(id: string): boolean;
  get(id: string): Module | undefined;
  resolve(id: string, parentUrl?: string): string;
  register(name: string, deps: string[], declare: (exp: (m: Module) => void) => { execute: () => Promise<void> }): void;
  addImportMap(map: { imports: Record<string, string> }): void;
  import(id: string): Promise<Module>;
  constructor: { prototype: Record<string, unknown> };
}

export const SystemJS = (window as unknown as { System: SystemJSLike }).System;

const SHARED_DEPENDENCY_PREFIX = 'package';
const JS_CONTENT_TYPE_REGEX = /^(text|application)\/(x-)?javascript(;|$)/;
const PLUGIN_PATH_REGEX = /plugins\/([^/]*)\//;

function addPreload(id: string, preload: Preload): void {
  if (SystemJS.has(id)) {
    return;
  }
  let resolvedId: string | undefined;
  try {
    resolvedId = SystemJS.resolve(id);
  } catch {
    // a `package:` id has no resolution yet: it is registered under its own name below
  }
  if (resolvedId && SystemJS.has(resolvedId)) {
    return;
  }
  if (typeof preload === 'function') {
    SystemJS.register(id, [], (_export) => ({
      execute: async function () {
        _export(await preload());
      },
    }));
  } else {
    SystemJS.set(resolvedId || id, preload);
  }
}

function buildImportMap(importMap: Record<string, Preload>): Record<string, string> {
  const imports: Record<string, string> = {};
  for (const key of Object.keys(importMap)) {
    // Use the 'package:' prefix to act as a URL instead of a bare specifier.
    const moduleName = `${SHARED_DEPENDENCY_PREFIX}:${key}`;
    addPreload(moduleName, importMap[key]!);
    imports[key] = moduleName;
  }
  return imports;
}

const pluginVersions: Record<string, string> = {};

/** pluginInfoCache.registerPluginInfoInCache: the version that busts the browser cache of its files. */
export function registerPluginInCache(path: string, version: string): void {
  const key = PLUGIN_PATH_REGEX.exec(path)?.[1];
  if (key && !pluginVersions[key]) {
    pluginVersions[key] = encodeURI(version);
  }
}

const CACHE_INITIALISED_AT = Date.now();

function resolvePluginUrlWithCache(url: string): string {
  const key = Object.keys(pluginVersions).find((k) => url.includes(k));
  return `${url}?_cache=${(key && pluginVersions[key]) || CACHE_INITIALISED_AT}`;
}

function getBackWardsCompatibleUrl(url: string): string {
  if (url.startsWith(`${SHARED_DEPENDENCY_PREFIX}:`)) {
    return url;
  }
  if (url.endsWith('!')) {
    url = url.slice(0, -1);
  }
  const hasValidFileExtension = ['css', 'js', 'json', 'wasm'].some((ext) => url.endsWith(ext));
  return hasValidFileExtension ? url : `${url}.js`;
}

type Fetch = (url: string, options?: Record<string, unknown>) => Promise<Response>;
type Resolve = (this: unknown, id: string, parentUrl?: string) => string;

async function decorateSystemJSFetch(systemJSFetch: Fetch, url: string, options?: Record<string, unknown>) {
  const res = await systemJSFetch(url, options);
  const contentType = res.headers.get('content-type') || '';
  if (JS_CONTENT_TYPE_REGEX.test(contentType)) {
    const source = await res.text();
    return new Response(new Blob([source], { type: 'text/javascript' }));
  }
  return res;
}

function decorateSystemJSResolve(this: unknown, originalResolve: Resolve, id: string, parentUrl?: string): string {
  try {
    const url = originalResolve.apply(this, [id, parentUrl]);
    const cleanedUrl = getBackWardsCompatibleUrl(url);
    const isFileSystemModule = cleanedUrl.endsWith('.js') || cleanedUrl.endsWith('.css');
    return isFileSystemModule ? resolvePluginUrlWithCache(cleanedUrl) : cleanedUrl;
  } catch {
    console.warn(`SystemJS: failed to resolve '${id}'`);
    return id;
  }
}

function decorateSystemJsOnload(err: unknown, id: string): void {
  const url = new URL(id, window.location.origin);
  if (url.pathname.endsWith('.css') && !err) {
    const styles = SystemJS.get(id)?.default as CSSStyleSheet | undefined;
    if (styles) {
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, styles];
    }
  }
}

/** Registers the shared dependencies and installs Grafana's loader hooks on SystemJS. */
export function initSystemJS(sharedDependencies: Record<string, Preload>): void {
  SystemJS.addImportMap({ imports: buildImportMap(sharedDependencies) });
  const proto = SystemJS.constructor.prototype;
  // Monaco's reliance on RequireJS means Grafana transforms plugin code, which needs fetch/eval.
  proto.shouldFetch = () => true;
  const systemJSFetch = proto.fetch as Fetch;
  proto.fetch = (url: string, options?: Record<string, unknown>) => decorateSystemJSFetch(systemJSFetch, url, options);
  const systemJSResolve = proto.resolve as Resolve;
  proto.resolve = decorateSystemJSResolve.bind(proto, systemJSResolve);
  proto.onload = decorateSystemJsOnload;
}

/** plugin_loader.importPluginModule for a plugin on the local filesystem. */
export function importPluginModule(path: string, version?: string): Promise<Module> {
  if (version) {
    registerPluginInCache(path, version);
  }
  return SystemJS.import(resolveModulePath(path));
}

/** utils.resolveModulePath: meta.module is relative to the app's sub path. */
function resolveModulePath(path: string): string {
  if (path.startsWith('http') || path.startsWith('/')) {
    return path;
  }
  return `/${path}`;
}
