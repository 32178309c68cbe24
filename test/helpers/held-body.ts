import type { TestServer } from './server'
import { signedRequest, type RawRequest } from './raw-s3'
import { until } from './wait'

/** The token tests pass as CLOUDSTORAGE_METRICS_TOKEN to read GET /metrics. */
export const METRICS_TOKEN = 'held-body-metrics-token-0001'

/** cloudstorage_inflight_requests from GET /metrics (S3 and API requests; the scrape is not one). */
export async function inflightRequests(srv: TestServer): Promise<number> {
  const text = await (await fetch(`${srv.httpUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text()
  const m = /^cloudstorage_inflight_requests(?:\{\})? (\d+)/m.exec(text)
  if (!m) throw new Error(`no cloudstorage_inflight_requests in /metrics:\n${text.slice(0, 500)}`)
  return Number(m[1])
}

/** Waits until at least `n` requests are being handled (polls, no fixed sleep). */
export async function waitForInflight(srv: TestServer, n: number, what: string) {
  await until(async () => (await inflightRequests(srv)) >= n, what)
}

/**
 * A signed S3 request (UNSIGNED-PAYLOAD) whose body is held open: `head` is sent at once, `rest`
 * only after release(). The server has the request (its handler runs) while the body is still
 * arriving, so a test decides which of two writes finishes last. The body is sent with its
 * Content-Length, or with Transfer-Encoding: chunked when `chunked`.
 */
export async function heldRequest(base: string, r: RawRequest, head: Uint8Array, rest: Uint8Array, opts: { chunked?: boolean } = {}) {
  let release!: () => void
  const released = new Promise<void>((res) => (release = res))
  const body = new ReadableStream<Uint8Array>({
    start(c) { c.enqueue(head) },
    async pull(c) {
      await released
      if (rest.length) c.enqueue(rest)
      c.close()
    },
  })
  const req = await signedRequest(base, { ...r, payloadHash: 'UNSIGNED-PAYLOAD', body: null })
  const headers = new Headers(req.headers)
  if (!opts.chunked) headers.set('content-length', String(head.length + rest.length))
  const response = fetch(req.url, { method: req.method, headers, body, duplex: 'half' } as RequestInit)
  return { response, release }
}

/** The server's request-log line (text format) of one request id; waits for the batched flush. */
export async function requestLogLine(srv: TestServer, requestId: string): Promise<string> {
  return until(() => srv.output().split('\n').find((l) => l.includes(` ${requestId} `)), `the request-log line for ${requestId}`)
}

/** Request-body bytes the server read for a request (`in=` of its log line). */
export async function bytesIn(srv: TestServer, requestId: string): Promise<number> {
  return Number(/ in=(\d+) /.exec(await requestLogLine(srv, requestId))![1])
}
