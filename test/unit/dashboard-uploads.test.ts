/**
 * The dashboard's pure upload and listing rules: how a large file is cut into parts (within S3's
 * limits, its part URLs signed in as few calls as the budget needs) and the type labels of files.
 */
import { describe, expect, test } from 'bun:test'
import { MULTIPART_THRESHOLD, PARTS_PER_CALL, partSize } from '../../src/dashboard/ui/lib/part-size'
import { typeLabel } from '../../src/dashboard/ui/lib/format'
import { MAX_PART_SIZE, MAX_PARTS } from '../../src/domain/upload-limits'

const MIB = 1024 ** 2
const GIB = 1024 ** 3
const TIB = 1024 ** 4

describe('part sizes', () => {
  test('16 MiB parts up to 98 of them; then larger parts, all signed in one call', () => {
    expect(partSize(MULTIPART_THRESHOLD + 1)).toBe(16 * MIB)
    expect(Math.ceil((66 * MIB + 123) / partSize(66 * MIB + 123)!)).toBe(5)
    expect(partSize(98 * 16 * MIB)).toBe(16 * MIB)
    for (const size of [98 * 16 * MIB + 1, 10 * GIB, 100 * GIB + 7, 490 * GIB]) {
      const part = partSize(size)!
      expect(part % MIB).toBe(0)
      expect(Math.ceil(size / part)).toBeLessThanOrEqual(PARTS_PER_CALL)
    }
    expect(PARTS_PER_CALL).toBe(98)
  })

  test('above 490 GiB: 5 GiB parts up to 10,000 of them; beyond, none', () => {
    expect(partSize(490 * GIB + 1)).toBe(MAX_PART_SIZE)
    expect(Math.ceil(5 * TIB / partSize(5 * TIB)!)).toBe(1024)
    expect(partSize(MAX_PARTS * MAX_PART_SIZE)).toBe(MAX_PART_SIZE)
    expect(partSize(MAX_PARTS * MAX_PART_SIZE + 1)).toBeNull()
  })

  test('every size stays within S3\'s limits (5 MiB to 5 GiB a part, 10,000 parts)', () => {
    for (let size = MULTIPART_THRESHOLD + 1; size <= MAX_PARTS * MAX_PART_SIZE; size = Math.floor(size * 1.37) + 12345) {
      const part = partSize(size)!
      expect(part).toBeGreaterThanOrEqual(5 * MIB)
      expect(part).toBeLessThanOrEqual(MAX_PART_SIZE)
      expect(Math.ceil(size / part)).toBeLessThanOrEqual(MAX_PARTS)
    }
  })
})

describe('type labels', () => {
  test('a short extension as it is, else the kind in a word', () => {
    expect(typeLabel('a/song.mp3', 'audio/mpeg')).toBe('mp3')
    expect(typeLabel('photo.JPEG')).toBe('JPEG')
    expect(typeLabel('data.json')).toBe('json')
    expect(typeLabel('recording', 'audio/ogg')).toBe('Audio')
    expect(typeLabel('clip', 'video/mp4')).toBe('Video')
    expect(typeLabel('scan', 'application/pdf')).toBe('PDF')
    expect(typeLabel('README', 'text/plain')).toBe('Text')
    expect(typeLabel('picture', 'image/png')).toBe('Image')
    expect(typeLabel('archive.tar.gz')).toBe('gz')
    expect(typeLabel('backup.2024', 'application/octet-stream')).toBe('File')
    expect(typeLabel('movie.quicktime', 'video/quicktime')).toBe('Video')
    expect(typeLabel('dir.d/blob')).toBe('File')
  })
})
