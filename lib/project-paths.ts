/**
 * Absolute paths into the repository, resolved from this file rather than the working directory:
 * `cdk synth`, vitest and editors all start from different places.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const projectPath = (...segments: string[]): string => join(PROJECT_ROOT, ...segments);

export const STATE_MACHINES_DIR = projectPath('statemachines');
