import { toAppError } from '../../errors/app-error'
import { s3ErrorXml } from '../../errors/render'
import { XML_DECL, xmlResponse } from './xml'

export interface XmlResult {
  /** A complete XML document starting with XML_DECL. */
  body: string
  headers: Record<string, string>
}

export interface KeepAliveOptions {
  /** Answer normally when the work is done within this many ms. */
  after: number
  /** Then send a space this often until it is. */
  interval: number
  /** For an error document sent inside the 200. */
  resource: string
  requestId: string
}

/**
 * Answers a long-running call the way S3 answers a slow CompleteMultipartUpload. Work that ends
 * within `after` ms gets an ordinary response (its headers, or its error status). Otherwise the
 * 200 starts at once with the XML declaration and a space every `interval` ms, so neither Bun's
 * idle timeout nor a client's read timeout (60 s in botocore) cuts the connection; the result
 * document follows, or an <Error> document, which the SDKs look for in a 200 to this call.
 * Response headers of a late result (x-amz-version-id) are lost, as with S3.
 */
export async function keepAliveXml(work: Promise<XmlResult>, opts: KeepAliveOptions): Promise<Response> {
  const settled = work.then((ok) => ({ ok }), (err: unknown) => ({ err }))
  let timer: ReturnType<typeof setTimeout> | undefined
  const early = await Promise.race([settled, new Promise<null>((r) => (timer = setTimeout(() => r(null), opts.after)))])
  clearTimeout(timer)
  if (early) {
    if ('err' in early) throw early.err
    return xmlResponse(early.ok.body, 200, early.ok.headers)
  }
  const enc = new TextEncoder()
  let beat: ReturnType<typeof setInterval> | undefined
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(enc.encode(XML_DECL))
      beat = setInterval(() => controller.enqueue(enc.encode(' ')), opts.interval)
      void settled.then((r) => {
        clearInterval(beat)
        const doc = 'ok' in r ? r.ok.body : s3ErrorXml(toAppError(r.err), opts.resource, opts.requestId)
        controller.enqueue(enc.encode(doc.startsWith(XML_DECL) ? doc.slice(XML_DECL.length) : doc.replace(/^<\?xml[^>]*\?>\s*/, '')))
        controller.close()
      })
    },
    cancel() {
      clearInterval(beat)
    },
  })
  return new Response(body, { status: 200, headers: { 'content-type': 'application/xml' } })
}
