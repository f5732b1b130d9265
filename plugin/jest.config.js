// Force the timezone to UTC so date formatting in tests does not depend on the machine.
process.env.TZ = 'UTC';

const config = require('./.config/jest.config');
const { grafanaESModules, nodeModulesToTransform } = require('./.config/jest/utils');

module.exports = {
  ...config,
  // d3-color >= 3.1.1 ships `.mjs` as main; the scaffold's transform pattern misses `.mjs`.
  transform: { ...config.transform, '^.+\\.mjs$': ['@swc/jest'] },
  // `yaml` resolves to its ESM browser build under jsdom, so let swc transform it too.
  transformIgnorePatterns: [nodeModulesToTransform([...grafanaESModules, 'yaml'])],
  // The browser test is a node:test file driven outside jest.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/browser/'],
  // A cold run on a shared 2-core machine is slow; findBy* waits are the real synchronisation.
  testTimeout: 30000,
};
