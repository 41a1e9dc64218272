import fs from 'node:fs';
import type { TestProject } from 'vitest/node';
import { TMP, buildEmbeddedTemplate, buildPgTemplate, requirePgUrl } from './helpers/templates.js';

declare module 'vitest' {
  export interface ProvidedContext {
    embeddedTemplate: string;
  }
}

/** Builds both database templates once per run (see helpers/templates.ts). */
export default async function setup(project: TestProject) {
  requirePgUrl();
  fs.mkdirSync(TMP, { recursive: true });
  const [embeddedTemplate] = await Promise.all([buildEmbeddedTemplate(), buildPgTemplate()]);
  project.provide('embeddedTemplate', embeddedTemplate);
}
