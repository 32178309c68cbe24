/**
 * S3 general-purpose bucket naming rules: 3–63 chars of lower-case letters, digits, dots and
 * hyphens; starts and ends with a letter or digit; no '..', not an IP address, and none of
 * AWS's reserved prefixes/suffixes. Returns the reason when invalid, else null.
 */
export function bucketNameProblem(name: string): string | null {
  if (name.length < 3 || name.length > 63) return 'Bucket names must be between 3 and 63 characters long.'
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return 'Bucket names may contain only lower-case letters, numbers, dots and hyphens, and must begin and end with a letter or number.'
  if (name.includes('..')) return 'Bucket names must not contain two adjacent periods.'
  if (name.includes('.-') || name.includes('-.')) return 'Bucket names must not contain a period next to a hyphen.'
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'Bucket names must not be formatted as an IP address.'
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name)) return 'Bucket names must not start with a reserved prefix.'
  if (/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) return 'Bucket names must not end with a reserved suffix.'
  return null
}

/** A valid bucket name derived from free text (e.g. an email's local part), for default buckets. */
export function bucketNameFrom(text: string): string {
  let s = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-+|-+$/g, '')
  if (/^(xn--|sthree-)/.test(s)) s = 'b-' + s
  if (s.length < 3) s = (s + '-files').replace(/^-/, '')
  return s.slice(0, 50).replace(/-+$/, '')
}
