/**
 * The little XML the S3 REST API needs: a writer for responses and a reader for the few request
 * bodies S3 takes (CompleteMultipartUpload, Delete, VersioningConfiguration, Retention, LegalHold,
 * ObjectLockConfiguration). The reader is one linear pass over a body whose size the caller has
 * already bounded; it keeps elements and text, and ignores attributes, comments and declarations.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export const escapeXml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/** A child list: [name, text | children]; undefined entries are left out. */
export type XmlChild = readonly [string, string | number | boolean | readonly (XmlChild | undefined)[]];

const render = ([name, value]: XmlChild): string =>
  `<${name}>${
    Array.isArray(value)
      ? (value as readonly (XmlChild | undefined)[])
          .filter((c): c is XmlChild => c !== undefined)
          .map(render)
          .join('')
      : escapeXml(String(value))
  }</${name}>`;

export const xmlDocument = (root: string, children: readonly (XmlChild | undefined)[]): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${children
    .filter((c): c is XmlChild => c !== undefined)
    .map(render)
    .join('')}</${root}>`;

export interface XmlElement {
  readonly name: string;
  readonly children: XmlElement[];
  text: string;
}

export class MalformedXmlError extends Error {
  override readonly name = 'MalformedXmlError';
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const decode = (text: string): string =>
  text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/g, (whole, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return ENTITIES[entity] ?? whole;
  });

/** Parses a document into its root element; throws MalformedXmlError on anything unbalanced. */
export const parseXml = (source: string): XmlElement => {
  const root: XmlElement = { name: '#document', children: [], text: '' };
  const stack: XmlElement[] = [root];
  let i = 0;
  while (i < source.length) {
    const lt = source.indexOf('<', i);
    const top = stack[stack.length - 1] as XmlElement;
    if (lt === -1) {
      if (source.slice(i).trim()) throw new MalformedXmlError('text after the root element');
      break;
    }
    if (lt > i) top.text += decode(source.slice(i, lt));
    if (source.startsWith('<?', lt) || source.startsWith('<!--', lt) || source.startsWith('<!', lt)) {
      const end = source.startsWith('<!--', lt) ? source.indexOf('-->', lt) : source.indexOf('>', lt);
      if (end === -1) throw new MalformedXmlError('unterminated declaration');
      i = end + (source.startsWith('<!--', lt) ? 3 : 1);
      continue;
    }
    const gt = source.indexOf('>', lt);
    if (gt === -1) throw new MalformedXmlError('unterminated tag');
    const tag = source.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim().split(':').pop() ?? '';
      if (stack.length < 2 || top.name !== name) throw new MalformedXmlError(`unexpected </${name}>`);
      stack.pop();
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const name = (selfClosing ? tag.slice(0, -1) : tag).trim().split(/\s/, 1)[0] ?? '';
    if (!name) throw new MalformedXmlError('empty tag');
    const element: XmlElement = {
      name: name.includes(':') ? (name.split(':').pop() as string) : name,
      children: [],
      text: '',
    };
    if (stack.length === 1 && root.children.length) throw new MalformedXmlError('two root elements');
    top.children.push(element);
    if (!selfClosing) stack.push(element);
  }
  if (stack.length !== 1 || root.children.length !== 1) throw new MalformedXmlError('unbalanced document');
  return root.children[0] as XmlElement;
};

export const child = (element: XmlElement, name: string): XmlElement | undefined =>
  element.children.find((c) => c.name === name);

export const childText = (element: XmlElement, name: string): string | undefined =>
  child(element, name)?.text.trim();
