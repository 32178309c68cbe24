import { BlockList, isIP } from 'node:net'
import { lookup } from 'node:dns/promises'

/**
 * Where a webhook may connect. Loopback, private, link-local (cloud metadata), CGNAT,
 * multicast and reserved ranges are blocked unless the operator's allowlist names the host or a
 * CIDR containing it (homelab LAN targets are normal, but opt-in). The check runs on the
 * addresses DNS returns at delivery time, and plain-http deliveries connect to the checked
 * address itself, so a name cannot be re-pointed between check and connect.
 */
const BLOCKED = new BlockList()
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(net, bits, 'ipv4')
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) BLOCKED.addSubnet(net, bits, 'ipv6')

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

/** Resolves the target and returns the address to connect to; throws BlockedTargetError. */
export async function resolveTarget(url: URL, allow: Allowlist): Promise<string> {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '')
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address)
  if (addresses.length === 0) throw new BlockedTargetError(`${host} does not resolve`)
  const hostAllowed = allow.hosts.has(host)
  for (const a of addresses) {
    if (hostAllowed || allow.nets.check(a, familyOf(a))) continue
    if (BLOCKED.check(a, familyOf(a))) throw new BlockedTargetError(`${host} resolves to ${a}, a private or reserved address (add it to CLOUDSTORAGE_WEBHOOK_ALLOWLIST to allow it)`)
  }
  return addresses[0]
}
