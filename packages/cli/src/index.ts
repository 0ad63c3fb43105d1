export { main, run, type Started } from './main.js';
export { parseCliArgs, UsageError, HELP, type CliArgs } from './args.js';
export { loadConfig, readConfigFile, type LoadedConfig } from './load-config.js';
export { startupWarnings, isLoopback } from './warnings.js';
