/**
 * The canonical JSON that certificates and export manifests are signed over. Pure (no node:
 * imports), so the web console's in-browser verification (web/src/certificate.ts) uses this very
 * function rather than a copy.
 */

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/**
 * JSON with object keys sorted (by UTF-16 code units) and no whitespace: the bytes that are signed.
 * For strings, finite numbers, booleans, null, arrays and plain objects this is RFC 8785 (JCS).
 * A property whose value is undefined is left out, as JSON.stringify and a stored file do;
 * anything JSON would silently alter (NaN, a Date, an undefined array element, a cycle) throws.
 */
export const canonicalJson = (value: unknown): string => {
  const ancestors = new Set<object>();
  const write = (v: unknown, path: string): string | undefined => {
    if (v === null) return 'null';
    switch (typeof v) {
      case 'string':
        return JSON.stringify(v);
      case 'boolean':
        return v ? 'true' : 'false';
      case 'number':
        if (!Number.isFinite(v))
          throw new TypeError(`canonicalJson: ${path} is ${v}, which JSON cannot hold`);
        return JSON.stringify(v);
      case 'undefined':
        return undefined;
      case 'object': {
        if (ancestors.has(v)) throw new TypeError(`canonicalJson: ${path} refers back to itself`);
        ancestors.add(v);
        try {
          if (Array.isArray(v)) {
            const items = v.map((item, i) => {
              const written = write(item, `${path}[${i}]`);
              if (written === undefined) throw new TypeError(`canonicalJson: ${path}[${i}] is undefined`);
              return written;
            });
            return `[${items.join(',')}]`;
          }
          if (!isPlainObject(v)) {
            throw new TypeError(`canonicalJson: ${path} is a ${v.constructor?.name ?? 'non-plain object'}`);
          }
          const members: string[] = [];
          for (const key of Object.keys(v).sort()) {
            const written = write((v as Record<string, unknown>)[key], `${path}.${key}`);
            if (written !== undefined) members.push(`${JSON.stringify(key)}:${written}`);
          }
          return `{${members.join(',')}}`;
        } finally {
          ancestors.delete(v);
        }
      }
      default:
        throw new TypeError(`canonicalJson: ${path} is a ${typeof v}, which JSON cannot hold`);
    }
  };
  const written = write(value, '$');
  if (written === undefined) throw new TypeError('canonicalJson: the value is undefined');
  return written;
};
