/**
 * Combines CRCs of two consecutive byte strings: crc(A‖B) from crc(A), crc(B) and |B|, for the
 * reflected CRCs S3 uses (CRC32, CRC32C, CRC64NVME; all with init = xorout = all ones). This is
 * zlib's crc32_combine (GF(2) matrix squaring), generalised to 64 bits with BigInt. It lets a
 * multipart upload's FULL_OBJECT checksum be derived from its parts without re-reading them.
 */
const POLYS: Record<string, { poly: bigint; width: number }> = {
  CRC32: { poly: 0xedb88320n, width: 32 },
  CRC32C: { poly: 0x82f63b78n, width: 32 },
  CRC64NVME: { poly: 0x9a6c9329ac4bc9b5n, width: 64 },
}

function gf2Times(mat: bigint[], vec: bigint): bigint {
  let sum = 0n
  let i = 0
  while (vec) {
    if (vec & 1n) sum ^= mat[i]
    vec >>= 1n
    i++
  }
  return sum
}

function gf2Square(mat: bigint[]): bigint[] {
  return mat.map((row) => gf2Times(mat, row))
}

export function crcCombine(algorithm: string, crcA: bigint, crcB: bigint, lenB: number): bigint {
  const p = POLYS[algorithm]
  if (!p) throw new Error(`no CRC combine for ${algorithm}`)
  if (lenB === 0) return crcA
  // Operator for one zero bit, then square to get two, four, … zero bits.
  let odd: bigint[] = [p.poly]
  for (let i = 1; i < p.width; i++) odd.push(1n << BigInt(i - 1))
  let even = gf2Square(odd) // 2 zero bits
  odd = gf2Square(even) // 4 zero bits
  let len = BigInt(lenB)
  let crc = crcA
  do {
    even = gf2Square(odd) // first pass: 8 bits = one zero byte
    if (len & 1n) crc = gf2Times(even, crc)
    len >>= 1n
    if (!len) break
    odd = gf2Square(even)
    if (len & 1n) crc = gf2Times(odd, crc)
    len >>= 1n
  } while (len)
  return crc ^ crcB
}

export const isCombinable = (algorithm: string) => algorithm in POLYS

/** base64 digest ⇄ BigInt for the combine arithmetic. */
export const crcFromBase64 = (v: string) => BigInt('0x' + Buffer.from(v, 'base64').toString('hex'))
export function crcToBase64(algorithm: string, crc: bigint): string {
  const bytes = POLYS[algorithm].width / 8
  return Buffer.from(crc.toString(16).padStart(bytes * 2, '0'), 'hex').toString('base64')
}
