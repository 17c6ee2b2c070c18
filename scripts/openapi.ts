/**
 * Writes docs/openapi.json from the schemas, the route catalogue and scripts/openapi/text.ts,
 * formatted the way `npm run lint` expects (Biome folds short arrays onto one line).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildOpenApi } from './openapi/build';

const target = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
const biome = fileURLToPath(new URL('../node_modules/.bin/biome', import.meta.url));
writeFileSync(target, `${JSON.stringify(buildOpenApi(), null, 2)}\n`);
execFileSync(biome, ['format', '--write', target], { stdio: 'ignore' });
console.log(`wrote ${target}`);
