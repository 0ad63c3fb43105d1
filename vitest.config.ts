import { defineConfig } from 'vitest/config';
import projects from './vitest.workspace';

// The project list lives in vitest.workspace.ts (the layout names it); Vitest 3
// reads it from here as `test.projects`, so it does not print its "workspace
// file is deprecated" notice on every run, and Vitest 4 will keep working.
export default defineConfig({ test: { projects } });
