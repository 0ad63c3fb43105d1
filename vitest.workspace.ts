// The test projects, read by vitest.config.ts as `test.projects` (a workspace
// file of its own is deprecated in Vitest 3 and gone in Vitest 4).
export default ['packages/core', 'packages/server', 'packages/cli', 'tests'];
