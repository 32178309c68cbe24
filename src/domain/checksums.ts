import { createHash } from 'node:crypto'
import { Crc32c } from '@aws-crypto/crc32c'
import { Crc64Nvme } from '@aws-sdk/crc64-nvme'

/** The flexible checksum algorithms S3 clients send (`x-amz-checksum-*`); the registry can grow. */
export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number]
export type ChecksumType = 'COMPOSITE' | 'FULL_OBJECT'

export interface Hasher {
  update(chunk: Uint8Array): void
  digest(): Promise<Buffer>
}

export interface ChecksumSpec {
  /** Header name, e.g. x-amz-checksum-crc32. */
  header: string
  /** Raw digest length in bytes (base64 of this is the wire value). */
  bytes: number
  create(): Hasher
  /** CRCs can be combined from part values into a full-object value. */
  isCrc: boolean
}

const u32be = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n >>> 0)
  return b
}

class Crc32Hasher implements Hasher {
  private crc = 0
  update(chunk: Uint8Array) { this.crc = Bun.hash.crc32(chunk, this.crc) }
  async digest() { return u32be(this.crc) }
}
class Crc32cHasher implements Hasher {
  private h = new Crc32c()
  update(chunk: Uint8Array) { this.h.update(chunk) }
  async digest() { return u32be(this.h.digest()) }
}
class Crc64Hasher implements Hasher {
  private h = new Crc64Nvme()
  update(chunk: Uint8Array) { this.h.update(chunk) }
  async digest() { return Buffer.from(await this.h.digest()) }
}
class NativeHasher implements Hasher {
  private h: Bun.CryptoHasher
  constructor(alg: 'sha1' | 'sha256' | 'md5') { this.h = new Bun.CryptoHasher(alg) }
  update(chunk: Uint8Array) { this.h.update(chunk) }
  async digest() { return Buffer.from(this.h.digest()) }
}

export const CHECKSUMS: Record<ChecksumAlgorithm, ChecksumSpec> = {
  CRC32: { header: 'x-amz-checksum-crc32', bytes: 4, create: () => new Crc32Hasher(), isCrc: true },
  CRC32C: { header: 'x-amz-checksum-crc32c', bytes: 4, create: () => new Crc32cHasher(), isCrc: true },
  CRC64NVME: { header: 'x-amz-checksum-crc64nvme', bytes: 8, create: () => new Crc64Hasher(), isCrc: true },
  SHA1: { header: 'x-amz-checksum-sha1', bytes: 20, create: () => new NativeHasher('sha1'), isCrc: false },
  SHA256: { header: 'x-amz-checksum-sha256', bytes: 32, create: () => new NativeHasher('sha256'), isCrc: false },
}

export function checksumAlgorithmOf(name: string | null | undefined): ChecksumAlgorithm | null {
  if (!name) return null
  const up = name.toUpperCase()
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(up) ? (up as ChecksumAlgorithm) : null
}

export function algorithmOfHeader(header: string): ChecksumAlgorithm | null {
  const h = header.toLowerCase()
  for (const a of CHECKSUM_ALGORITHMS) if (CHECKSUMS[a].header === h) return a
  return null
}

/** A well-formed base64 value of the algorithm's digest length. */
export function isValidChecksumValue(alg: ChecksumAlgorithm, value: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false
  return Buffer.from(value, 'base64').length === CHECKSUMS[alg].bytes && Buffer.from(value, 'base64').toString('base64') === value
}

/** COMPOSITE multipart checksum: the checksum of the concatenated raw part checksums, "-N". */
export async function compositeChecksum(alg: ChecksumAlgorithm, partValues: string[]): Promise<string> {
  const h = CHECKSUMS[alg].create()
  for (const v of partValues) h.update(Buffer.from(v, 'base64'))
  return `${(await h.digest()).toString('base64')}-${partValues.length}`
}

export const md5Base64 = (data: Uint8Array | string) => createHash('md5').update(data).digest('base64')
