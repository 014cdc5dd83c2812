/**
 * EC2's XML: a response element named after the action in the namespace of the API
 * version the client asked for, with the requestId first; lists as `<item>` elements;
 * booleans as true/false; timestamps as `YYYY-MM-DDTHH:MM:SS.mmmZ`. Absent (null or
 * undefined) values are left out, as AWS does, so that clients never parse an empty
 * number.
 */

export type XmlValue = string | number | boolean | Date | null | undefined | readonly XmlValue[] | { readonly [key: string]: XmlValue };

export type XmlObject = { readonly [key: string]: XmlValue };

export const DEFAULT_EC2_VERSION = '2016-11-15';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

function render(name: string, value: XmlValue): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return `<${name}>${value.map((v) => render('item', v)).join('')}</${name}>`;
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === 'object') {
    return `<${name}>${Object.entries(value as XmlObject)
      .map(([k, v]) => render(k, v))
      .join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function ec2ResponseXml(action: string, version: string, requestId: string, body: XmlObject): string {
  const inner = Object.entries(body)
    .map(([k, v]) => render(k, v))
    .join('');
  const ns = `http://ec2.amazonaws.com/doc/${escapeXml(version)}/`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${ns}"><requestId>${requestId}</requestId>${inner}</${action}Response>`;
}

export function ec2ErrorXml(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
}
