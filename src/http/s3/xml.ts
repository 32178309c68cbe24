import { XMLParser } from 'fast-xml-parser'
import { AppError } from '../../errors/app-error'
import { xmlEscape } from '../../domain/xml'

export const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'
export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/'

/** `<Tag>escaped</Tag>`; omitted when the value is null/undefined. */
export function el(tag: string, value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return ''
  return `<${tag}>${xmlEscape(String(value))}</${tag}>`
}

export function xmlDoc(root: string, inner: string, ns = true): string {
  return `${XML_DECL}<${root}${ns ? ` xmlns="${S3_NS}"` : ''}>${inner}</${root}>`
}

export function xmlResponse(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(body)), ...headers } })
}

/** S3 timestamps: ISO 8601 with milliseconds. */
export const isoMs = (ms: number) => new Date(ms).toISOString()

/** Element names that always parse as arrays, so one item and many look the same. */
const ARRAY_TAGS = new Set([
  'Part', 'Object', 'CORSRule', 'AllowedOrigin', 'AllowedMethod', 'AllowedHeader', 'ExposeHeader',
])

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

/**
 * XML's five named entities and numeric character references, decoded in one pass. Go's
 * encoding/xml (aws-sdk-go, rclone, …) writes '"' in ETags as &#34; and control characters in
 * keys as &#xA;, so numeric references must work; a single pass never decodes twice (&amp;#34;
 * stays the text &#34;).
 */
export function decodeXmlText(text: string): string {
  if (!text.includes('&')) return text
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref[0] !== '#') {
      if (NAMED[ref] === undefined) throw new AppError('MalformedXML', { message: `Undefined XML entity &${ref};.` })
      return NAMED[ref]
    }
    const cp = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10)
    if (!(cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff))) {
      throw new AppError('MalformedXML', { message: `${whole} is not a valid XML character.` })
    }
    return String.fromCodePoint(cp)
  })
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  // Object keys may begin or end with spaces, so values are trimmed here, all but <Key>.
  trimValues: false,
  // Entities are decoded by decodeXmlText, which also knows numeric character references.
  processEntities: false,
  htmlEntities: false,
  tagValueProcessor: (name, value) => (name === 'Key' ? decodeXmlText(value) : decodeXmlText(value).trim()),
  isArray: (name) => ARRAY_TAGS.has(name),
})

/**
 * Parses a small XML request body. DTDs are refused outright (no entity expansion attacks);
 * malformed documents and a wrong root are MalformedXML.
 */
export function parseXmlBody(body: Buffer | string, root: string): Record<string, any> {
  const text = typeof body === 'string' ? body : body.toString('utf8')
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new AppError('MalformedXML', { message: 'XML document type declarations are not allowed.' })
  if (!text.trim()) throw new AppError('MalformedXML')
  let doc: any
  try {
    doc = parser.parse(text, true)
  } catch (e) {
    if (e instanceof AppError) throw e
    throw new AppError('MalformedXML')
  }
  const node = doc?.[root]
  if (node === undefined) throw new AppError('MalformedXML', { message: `The XML you provided was not well-formed or did not validate against our published schema (expected <${root}>).` })
  return node === '' ? {} : node
}
