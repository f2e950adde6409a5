import sax from 'sax';

/**
 * A server's XML reply as plain elements, for zod to check. Parsed with `sax` in strict mode,
 * which never fetches anything and expands no entities beyond XML's five and character
 * references; a reply with a DOCTYPE is refused outright (there is no reason for one, and it is
 * how entity-expansion attacks start). Names are namespace-free local names, lower-cased
 * (`D:getContentLength` and `lp1:getcontentlength` are both `getcontentlength`).
 */
export interface XmlElement {
  name: string;
  text: string;
  children: XmlElement[];
}

const MAX_ELEMENTS = 2_000_000;
const MAX_DEPTH = 64;

export function parseXml(xml: string): XmlElement {
  const parser = sax.parser(true, { trim: false, normalize: false, xmlns: false, position: false });
  const root: XmlElement = { name: '#document', text: '', children: [] };
  const stack: XmlElement[] = [root];
  let count = 0;
  let failure: Error | null = null;
  parser.onerror = (e) => {
    failure ??= e;
  };
  parser.ondoctype = () => {
    failure ??= new Error('XML with a DOCTYPE is refused');
  };
  parser.onopentag = (node) => {
    if (++count > MAX_ELEMENTS || stack.length > MAX_DEPTH) {
      failure ??= new Error('XML too large or too deep');
      return;
    }
    const colon = node.name.indexOf(':');
    const el: XmlElement = { name: node.name.slice(colon + 1).toLowerCase(), text: '', children: [] };
    stack[stack.length - 1]!.children.push(el);
    stack.push(el);
  };
  parser.onclosetag = () => {
    stack.pop();
  };
  const onText = (t: string) => {
    const top = stack[stack.length - 1]!;
    if (top !== root) top.text += t;
  };
  parser.ontext = onText;
  parser.oncdata = onText;
  try {
    parser.write(xml).close();
  } catch (e) {
    failure ??= e as Error;
  }
  if (failure) throw failure;
  if (root.children.length !== 1) throw new Error('XML without a single root element');
  return root.children[0]!;
}

/** The first child of that (lower-case) name, or undefined. */
export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

export function childrenNamed(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** The text of the first child of that name, trimmed, or undefined. */
export function textOf(el: XmlElement | undefined, name: string): string | undefined {
  const c = child(el, name);
  return c ? c.text.trim() : undefined;
}
