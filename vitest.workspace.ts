export default ['packages/core', 'packages/server', 'packages/cli', 'tests'];
