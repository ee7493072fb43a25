// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...base,
  // No test depends on speed: on a loaded CI machine a test may take many times its usual time, and
  // a test cut off by a short timeout keeps running in the worker, which then cannot exit cleanly.
  testTimeout: 120000,
  transform: {
    ...base.transform,
    // d3-color and friends now ship only .mjs files, which the scaffold's pattern misses.
    '^.+\\.mjs$': base.transform['^.+\\.(t|j)sx?$'],
  },
};
