export { main, run, type Started } from './main.js';
export { parseCliArgs, UsageError, HELP, type CliArgs } from './args.js';
export { loadConfig, readConfigFile } from './load-config.js';
