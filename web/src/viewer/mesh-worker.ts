/**
 * The mesh worker: checks a downloaded mesh against its SHA-256, parses it and hands back typed
 * arrays, transferred (mesh-parse.ts). The main thread only builds the geometry and draws.
 */
import { serve } from '../workers/protocol';
import { checkAndParse, type ParsedPart, type ParseRequest } from './mesh-parse';

serve<ParseRequest, ParsedPart[]>(checkAndParse);
