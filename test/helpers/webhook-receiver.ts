/**
 * A webhook receiver on 127.0.0.1 for the tests: it records every delivery (headers as a plain
 * object with lowercase names, body as text) and answers with a status and body the test sets.
 */
import crypto from 'node:crypto'

export interface Delivery {
  headers: Record<string, string>
  body: string
}

export function webhookReceiver(status = 200, body = 'ok') {
  const got: Delivery[] = []
  let answer = { status, body }
  const srv = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      got.push({ headers: Object.fromEntries(req.headers), body: await req.text() })
      // A 204 or 304 carries no body at all.
      return new Response(answer.body === '' ? null : answer.body, { status: answer.status })
    },
  })
  return {
    url: `http://127.0.0.1:${srv.port}/hook`,
    got,
    /** What the next deliveries are answered with. */
    answer: (status: number, body = 'ok') => (answer = { status, body }),
    stop: () => srv.stop(true),
  }
}

// The spec's verification code, as published.
export function verifyWebhook(payload: string, signature: string, secret: string) {
  const expected = crypto
    .createHmac("sha256", secret)
    .update(payload)
    .digest("hex");
  return crypto.timingSafeEqual(
    Buffer.from(signature),
    Buffer.from(expected)
  );
}
