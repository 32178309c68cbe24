/**
 * One request of an upload to the S3 port with a presigned URL: XMLHttpRequest (fetch has no
 * upload progress), its error as S3 worded it, and the rule for sending it again.
 */
import type { Presigned } from './presign'

/** Whoever sends: keeps the request in flight (cancel aborts it) and says whether it is still wanted. */
export interface Sender {
  xhr: XMLHttpRequest | null
  live(): boolean
}

/** An S3 answer that was not 2xx (status 0: the endpoint could not be reached). */
export class S3Error extends Error {
  override name = 'S3Error'
  constructor(readonly status: number, message: string) {
    super(message)
  }

  /** The presigned URL ran out (a long queue, or a clock ahead of the server's): sign again. */
  get expired() {
    return this.status === 403 && /expired/i.test(this.message)
  }

  /** Worth sending again: the network, the endpoint busy or in trouble, or a URL to sign afresh. */
  get transient() {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500 || this.expired
  }
}

const RETRIES = 3
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Runs `attempt` and, after a transient failure, again up to 3 more times (1, 2, 4 s apart) while
 * the sender still wants it. `attempt` gets a fresh URL itself when its own ran out.
 */
export async function retried<T>(s: Sender, attempt: () => Promise<T>): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt()
    } catch (e) {
      if (n >= RETRIES || !s.live() || !(e instanceof S3Error && e.transient)) throw e
      await sleep(1000 * 2 ** n)
      if (!s.live()) throw e
    }
  }
}

export const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

export function xmlField(xml: string, name: string): string | null {
  const doc = new DOMParser().parseFromString(xml, 'application/xml')
  return doc.getElementsByTagName(name)[0]?.textContent ?? null
}

/** Sends one presigned request with upload progress; rejects with an S3Error on a non-2xx answer. */
export function send(s: Sender, p: Pick<Presigned, 'method' | 'url' | 'headers'>, body: Blob | string | null, progress: (sent: number) => void = () => {}): Promise<{ etag: string | null; body: string }> {
  return new Promise((resolve, reject) => {
    if (!s.live()) return reject(new Error('Cancelled.'))
    const xhr = new XMLHttpRequest()
    s.xhr = xhr
    xhr.open(p.method, p.url)
    for (const [k, v] of Object.entries(p.headers)) {
      // The browser sets these itself and refuses to be told.
      if (!/^(host|content-length)$/i.test(k)) xhr.setRequestHeader(k, v)
    }
    xhr.upload.onprogress = (e) => progress(e.loaded)
    xhr.onload = () => {
      s.xhr = null
      if (xhr.status >= 200 && xhr.status < 300) resolve({ etag: xhr.getResponseHeader('etag'), body: xhr.responseText })
      else reject(new S3Error(xhr.status, xmlField(xhr.responseText, 'Message') ?? `The S3 endpoint answered ${xhr.status}.`))
    }
    xhr.onerror = () => { s.xhr = null; reject(new S3Error(0, 'The upload could not reach the S3 endpoint.')) }
    xhr.onabort = () => { s.xhr = null; reject(new Error('Cancelled.')) }
    xhr.send(body)
  })
}
