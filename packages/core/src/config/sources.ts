// Where each merged option came from (a variable, a flag, a file field), so
// that errors and warnings name what the user set rather than internal paths.

/** Where a merged option came from, for error messages and warnings. */
export interface OptionSource {
  /** what the user set: an environment variable, a flag, or a file */
  label: string;
  /** the field's path inside that file; deeper paths under it are appended */
  path?: string;
}

/** Merged-option path prefixes ("providers.1", "router.cooldownSeconds") → where they came from. */
export type OptionSources = Map<string, OptionSource>;

/**
 * What the user set for a merged-option path (a zod issue's path): the
 * variable, flag or file field, or the path itself when nothing is known.
 */
export function describeSource(path: readonly PropertyKey[], sources?: OptionSources): string {
  const full = path.map(String).join('.');
  for (let n = path.length; n > 0 && sources; n--) {
    const src = sources.get(path.slice(0, n).map(String).join('.'));
    if (!src) continue;
    const rest = path.slice(n).map(String).join('.');
    if (src.path !== undefined) return `${src.label}: ${[src.path, rest].filter(Boolean).join('.')}`;
    return rest ? `${src.label} (${full})` : src.label;
  }
  return full || '(root)';
}
