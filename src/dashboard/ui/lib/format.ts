const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']

export function bytes(n: number): string {
  if (!Number.isFinite(n)) return '—'
  let v = n
  let i = 0
  while (v >= 1024 && i < UNITS.length - 1) { v /= 1024; i++ }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${UNITS[i]}`
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

/** "3 minutes ago", "in 2 days". */
export function relative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never'
  const s = Math.round((new Date(iso).getTime() - now) / 1000)
  const abs = Math.abs(s)
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })
  if (abs < 60) return rtf.format(s, 'second')
  if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute')
  if (abs < 86400) return rtf.format(Math.round(s / 3600), 'hour')
  return rtf.format(Math.round(s / 86400), 'day')
}

export const percent = (part: number, whole: number) => (whole > 0 ? Math.min(100, (part / whole) * 100) : 0)

/** The last path segment of a key (a folder prefix keeps its trailing slash off). */
export const baseName = (key: string) => key.replace(/\/$/, '').split('/').pop() || key

const IMAGE = /\.(jpe?g|png|gif|webp|avif|tiff?)$/i
const TEXT = /\.(txt|md|markdown|csv|tsv|json|ya?ml|toml|xml|html?|css|m?js|ts|tsx|jsx|py|rb|go|rs|java|c|h|cpp|sh|ini|conf|log|sql|svg)$/i

export type FileKind = 'image' | 'text' | 'pdf' | 'audio' | 'video' | 'other'

/** What the preview pane can show, from the content type or else the name. */
export function kindOf(key: string, contentType = ''): FileKind {
  const t = contentType.toLowerCase()
  if (t.startsWith('image/') && t !== 'image/svg+xml') return 'image'
  if (t === 'application/pdf' || /\.pdf$/i.test(key)) return 'pdf'
  if (t.startsWith('audio/') || /\.(mp3|ogg|oga|wav|flac|m4a|opus)$/i.test(key)) return 'audio'
  if (t.startsWith('video/') || /\.(mp4|webm|ogv|mov|m4v)$/i.test(key)) return 'video'
  if (t.startsWith('text/') || /json|xml|yaml|javascript/.test(t) || TEXT.test(key)) return 'text'
  if (IMAGE.test(key)) return 'image'
  return 'other'
}

const KIND_LABELS: Record<FileKind, string> = { image: 'Image', text: 'Text', pdf: 'PDF', audio: 'Audio', video: 'Video', other: 'File' }

/** A file's type in a word for its icon: a short extension (JPG, MP3, ZIP, JSON), else its kind. */
export function typeLabel(key: string, contentType = ''): string {
  const ext = /\.([a-z][a-z0-9]{0,3})$/i.exec(baseName(key))?.[1]
  return ext ?? KIND_LABELS[kindOf(key, contentType)]
}

/** Images the appliance can transform (thumbnails through /api/img). */
export const isThumbnailable = (key: string) => IMAGE.test(key)
