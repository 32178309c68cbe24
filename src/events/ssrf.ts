import { BlockList, isIP } from 'node:net'
import { lookup } from 'node:dns/promises'

/**
 * Where a webhook may connect. Loopback, private, link-local (cloud metadata), CGNAT,
 * multicast and reserved ranges are blocked unless the operator's allowlist names the host or a
 * CIDR containing it (homelab LAN targets are normal, but opt-in). The check runs when a webhook
 * is created or changed (so a blocked URL is refused up front) and again on the addresses DNS
 * returns at delivery time; plain-http deliveries connect to the checked address itself, so a
 * name cannot be re-pointed between check and connect. IPv6 forms that carry an IPv4 address
 * (mapped, NAT64, 6to4) are judged by that IPv4 address; the deprecated IPv4-compatible range
 * (::a.b.c.d) and Teredo are refused outright. Decimal, octal and hex IPv4 literals
 * (http://2130706433/, http://0x7f.1/) are normalised to dotted form by the URL parser first.
 */
const BLOCKED = new BlockList()
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(net, bits, 'ipv4')
for (const [net, bits] of [
  // ::/96 holds ::, ::1 and the IPv4-compatible addresses; 64:ff9b:1::/48 is local-use NAT64.
  ['::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 32], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) BLOCKED.addSubnet(net, bits, 'ipv6')

/** The 16 bytes of an IPv6 address (as isIP accepts it, without a zone), or null. */
function ipv6Bytes(addr: string): number[] | null {
  let s = addr.toLowerCase()
  const tail: number[] = []
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s)
  if (dotted) {
    tail.push(...dotted[1].split('.').map(Number))
    s = s.slice(0, -dotted[1].length) + '0:0'
  }
  const halves = s.split('::')
  if (halves.length > 2) return null
  const groups = (h: string) => (h === '' ? [] : h.split(':').map((g) => parseInt(g, 16)))
  const head = groups(halves[0])
  const rest = halves.length === 2 ? groups(halves[1]) : []
  const words = halves.length === 2 ? [...head, ...Array(8 - head.length - rest.length).fill(0), ...rest] : head
  if (words.length !== 8 || words.some((w) => !(w >= 0 && w <= 0xffff))) return null
  const bytes = words.flatMap((w) => [w >> 8, w & 255])
  if (tail.length) bytes.splice(12, 4, ...tail)
  return bytes
}

/** The IPv4 address an IPv6 address stands for: IPv4-mapped, NAT64 (64:ff9b::/96) or 6to4. */
export function embeddedIPv4(addr: string): string | null {
  const b = ipv6Bytes(addr)
  if (!b) return null
  const v4 = (at: number) => b.slice(at, at + 4).join('.')
  if (b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return v4(12)
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b.slice(4, 12).every((x) => x === 0)) return v4(12)
  if (b[0] === 0x20 && b[1] === 0x02) return v4(2)
  return null
}

/** Is this address private or reserved (judging IPv6 forms of IPv4 by their IPv4 address)? */
export function isBlockedAddress(addr: string): boolean {
  if (isIP(addr) === 4) return BLOCKED.check(addr, 'ipv4')
  const v4 = embeddedIPv4(addr)
  if (v4 !== null) return BLOCKED.check(v4, 'ipv4')
  return BLOCKED.check(addr, 'ipv6')
}

export interface Allowlist {
  hosts: Set<string>
  nets: BlockList
}

export function parseAllowlist(entries: string[]): Allowlist {
  const hosts = new Set<string>()
  const nets = new BlockList()
  for (const raw of entries) {
    const e = raw.trim().toLowerCase()
    if (!e) continue
    const [addr, bits] = e.split('/')
    const family = isIP(addr)
    if (family) {
      const type = family === 4 ? 'ipv4' : 'ipv6'
      if (bits === undefined) nets.addAddress(addr, type)
      else nets.addSubnet(addr, Number(bits), type)
    } else hosts.add(e.replace(/\.$/, ''))
  }
  return { hosts, nets }
}

export class BlockedTargetError extends Error {
  override name = 'BlockedTargetError'
}

const familyOf = (a: string) => (isIP(a) === 6 ? 'ipv6' : 'ipv4')

/** Validates a webhook URL's syntax (at creation): http(s), a host, no credentials. */
export function checkWebhookUrl(raw: string): URL {
  let url: URL
  try { url = new URL(raw) } catch { throw new BlockedTargetError('not a valid URL') }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BlockedTargetError('only http and https URLs are allowed')
  if (url.username || url.password) throw new BlockedTargetError('URLs with credentials are not allowed')
  if (!url.hostname) throw new BlockedTargetError('the URL has no host')
  return url
}

const allowedByNet = (allow: Allowlist, a: string) => {
  if (allow.nets.check(a, familyOf(a))) return true
  const v4 = isIP(a) === 6 ? embeddedIPv4(a) : null
  return v4 !== null && allow.nets.check(v4, 'ipv4')
}

/** Resolves the target and returns the address to connect to; throws BlockedTargetError. */
export async function resolveTarget(url: URL, allow: Allowlist): Promise<string> {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '')
  let addresses: string[]
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address)
  } catch (e) {
    throw new BlockedTargetError(`${host} does not resolve (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  }
  if (addresses.length === 0) throw new BlockedTargetError(`${host} does not resolve`)
  const hostAllowed = allow.hosts.has(host)
  for (const a of addresses) {
    if (hostAllowed || allowedByNet(allow, a)) continue
    if (isBlockedAddress(a)) {
      const what = a === host ? `${host} is` : `${host} resolves to ${a},`
      throw new BlockedTargetError(`${what} a private or reserved address (add it to CLOUDSTORAGE_WEBHOOK_ALLOWLIST to allow it)`)
    }
  }
  return addresses[0]
}
