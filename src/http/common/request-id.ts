import { randomBytes } from 'node:crypto'

let counter = 0
const prefix = randomBytes(4).toString('hex').toUpperCase()

/** 16 upper-case hex characters like S3's x-amz-request-id: a per-process prefix and a counter. */
export function newRequestId(): string {
  counter = (counter + 1) >>> 0
  return prefix + counter.toString(16).toUpperCase().padStart(8, '0')
}
