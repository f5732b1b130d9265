// Extends the scaffolded config (.config/webpack/webpack.config.ts, managed by create-plugin) with the
// repository's dashboards: ../dashboards/*.json is the one source; webpack copies the files into
// dist/dashboards/ and lists each one in dist/plugin.json `includes`, so nothing is duplicated in src/.
import CopyWebpackPlugin from 'copy-webpack-plugin';
import path from 'path';
import webpack, { type Configuration } from 'webpack';

import grafanaConfig, { type Env } from './.config/webpack/webpack.config.ts';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { readDashboards, DASHBOARDS_DIR } = require('./scripts/sources.js');

interface BundledDashboard {
  file: string;
  uid: string;
  title: string;
}

const PLUGIN_NAME = 'NexusDashboardIncludes';

/** Appends a `type: dashboard` include for every bundled dashboard to the emitted plugin.json. */
class DashboardIncludesPlugin {
  constructor(private readonly dashboards: BundledDashboard[]) {}

  apply(compiler: webpack.Compiler) {
    compiler.hooks.compilation.tap(PLUGIN_NAME, (compilation) => {
      compilation.hooks.processAssets.tap(
        { name: PLUGIN_NAME, stage: webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONS },
        () => {
          const asset = compilation.getAsset('plugin.json');
          if (!asset) {
            return;
          }
          const pluginJson = JSON.parse(asset.source.source().toString());
          const includes = (pluginJson.includes ?? []).filter((i: { type: string }) => i.type !== 'dashboard');
          for (const d of this.dashboards) {
            includes.push({
              type: 'dashboard',
              name: d.title,
              path: `dashboards/${d.file}`,
              uid: d.uid,
              addToNav: true,
            });
          }
          pluginJson.includes = includes;
          compilation.updateAsset('plugin.json', new webpack.sources.RawSource(JSON.stringify(pluginJson, null, 2)));
        }
      );
    });
  }
}

const config = async (env: Env): Promise<Configuration> => {
  const base = await grafanaConfig(env);
  const dashboards: BundledDashboard[] = readDashboards();
  return {
    ...base,
    plugins: [
      ...(base.plugins ?? []),
      ...(dashboards.length
        ? [
            new CopyWebpackPlugin({
              patterns: dashboards.map((d) => ({
                from: path.join(DASHBOARDS_DIR, d.file),
                to: `dashboards/${d.file}`,
              })),
            }),
          ]
        : []),
      new DashboardIncludesPlugin(dashboards),
    ],
  };
};

export default config;
