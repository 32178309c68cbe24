import { parseSize } from './size'

/** A setting is invalid: main prints the message as one line and exits 2. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

type Parser<T> = (raw: unknown, label: string) => T

const fail = (label: string, raw: unknown, want: string): never => {
  throw new ConfigError(`invalid ${label}: ${JSON.stringify(raw)} is not ${want}`)
}

export const str: Parser<string> = (raw, label) => {
  if (typeof raw !== 'string' && typeof raw !== 'number') fail(label, raw, 'a string')
  return String(raw)
}
export const nonEmpty: Parser<string> = (raw, label) => {
  const s = str(raw, label).trim()
  if (!s) fail(label, raw, 'a non-empty string')
  return s
}
export const port: Parser<number> = (raw, label) => {
  const s = String(raw).trim()
  const n = Number(s)
  if (!/^\d+$/.test(s) || n > 65535) fail(label, raw, 'a port number (0-65535)')
  return n
}
export const int = (min: number, max: number): Parser<number> => (raw, label) => {
  const s = String(raw).trim()
  const n = Number(s)
  if (!/^-?\d+$/.test(s) || n < min || n > max) fail(label, raw, `an integer between ${min} and ${max}`)
  return n
}
export const size: Parser<number> = (raw, label) => {
  const n = parseSize(raw as string | number)
  if (n === null) fail(label, raw, 'a size such as 10GiB, 500MB or 1048576')
  return n as number
}
export const oneOf = <T extends string>(...values: T[]): Parser<T> => (raw, label) => {
  const s = String(raw).trim().toLowerCase()
  if (!values.includes(s as T)) fail(label, raw, `one of ${values.join(', ')}`)
  return s as T
}
export const onOff: Parser<boolean> = (raw, label) => {
  if (typeof raw === 'boolean') return raw
  const s = String(raw).trim().toLowerCase()
  if (['on', 'true', '1', 'yes'].includes(s)) return true
  if (['off', 'false', '0', 'no'].includes(s)) return false
  return fail(label, raw, 'on or off')
}
export const list: Parser<string[]> = (raw, label) => {
  if (Array.isArray(raw)) return raw.map((v) => nonEmpty(v, label))
  return str(raw, label).split(',').map((s) => s.trim()).filter(Boolean)
}
export const region: Parser<string> = (raw, label) => {
  const s = nonEmpty(raw, label)
  if (!/^[a-z0-9-]{1,32}$/.test(s)) fail(label, raw, 'a region name such as eu-central-1')
  return s
}
export const domain: Parser<string> = (raw, label) => {
  const s = nonEmpty(raw, label).toLowerCase().replace(/\.$/, '')
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(s)) fail(label, raw, 'a DNS domain')
  return s
}
/** An http(s) URL, kept as its origin (scheme, host, port). */
export const origin: Parser<string> = (raw, label) => {
  const s = nonEmpty(raw, label)
  let u: URL | null = null
  try { u = new URL(s) } catch { /* reported below */ }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password) fail(label, raw, 'an http:// or https:// URL')
  return u!.origin
}
