import { describe, test, expect, afterAll } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { loadConfig } from '../../src/config/load'
import { ConfigError } from '../../src/config/settings'
import { parseSize } from '../../src/config/size'

const dir = mkdtempSync(join(tmpdir(), 'cs-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let n = 0
function file(ext: string, text: string): string {
  const p = join(dir, `cfg${n++}.${ext}`)
  writeFileSync(p, text)
  return p
}

/** The ConfigError message, asserting it is exactly one line. */
function configError(flags: Record<string, string>, env: Record<string, string> = {}): string {
  let err: unknown
  try {
    loadConfig(flags, env)
  } catch (e) {
    err = e
  }
  expect(err).toBeInstanceOf(ConfigError)
  const msg = (err as Error).message
  expect(msg).not.toContain('\n')
  return msg
}

describe('defaults (contract table)', () => {
  test('every contract default with no flags, env or file', () => {
    const c = loadConfig({}, {})
    expect(c.dataDir).toBe(resolve('./data'))
    expect(c.host).toBe('0.0.0.0')
    expect(c.s3Port).toBe(9000)
    expect(c.port).toBe(9001)
    expect(c.region).toBe('eu-central-1')
    expect(c.domain).toBeNull()
    expect(c.logFormat).toBe('text')
    expect(c.signup).toBe('closed')
    expect(c.rateLimits).toBe(true)
    expect(c.webhookAllowlist).toEqual([])
    expect(c.blobBackend).toBe('fs')
    expect(c.upstream).toBeNull()
    expect(c.masterKeyFile).toBeNull()
    expect(c.masterKey).toBeNull()
    expect(c.plans[c.defaultPlan].quotaBytes).toBe(10 * 2 ** 30)
    expect(c.plans[c.defaultPlan].maxKeys).toBe(5)
    expect(c.root).toEqual({ email: null, password: null, accessKey: null, secretKey: null })
  })

  test('an empty environment variable counts as unset', () => {
    expect(loadConfig({}, { CLOUDSTORAGE_S3_PORT: '' }).s3Port).toBe(9000)
  })
})

describe('precedence: flag > env > file > default', () => {
  const cfg = file('json', JSON.stringify({ 's3-port': 7000, port: 7001, region: 'file-region', host: '10.0.0.1' }))

  test('file beats default', () => {
    const c = loadConfig({ '--config': cfg }, {})
    expect([c.s3Port, c.port, c.region, c.host]).toEqual([7000, 7001, 'file-region', '10.0.0.1'])
  })

  test('env beats file', () => {
    const c = loadConfig({ '--config': cfg }, { CLOUDSTORAGE_S3_PORT: '8000', CLOUDSTORAGE_REGION: 'env-region' })
    expect([c.s3Port, c.port, c.region]).toEqual([8000, 7001, 'env-region'])
  })

  test('flag beats env and file', () => {
    const c = loadConfig({ '--config': cfg, '--s3-port': '9500', '--region': 'flag-region' }, { CLOUDSTORAGE_S3_PORT: '8000', CLOUDSTORAGE_REGION: 'env-region' })
    expect([c.s3Port, c.port, c.region]).toEqual([9500, 7001, 'flag-region'])
  })

  test('CLOUDSTORAGE_CONFIG names the file; --config overrides it', () => {
    const other = file('json', JSON.stringify({ region: 'other-region' }))
    expect(loadConfig({}, { CLOUDSTORAGE_CONFIG: cfg }).region).toBe('file-region')
    expect(loadConfig({ '--config': other }, { CLOUDSTORAGE_CONFIG: cfg }).region).toBe('other-region')
  })

  // The flat env names and the file's sections set the same values; a flat DEFAULT used to
  // overwrite the section, so `retention: {max-versions: 3}` silently stayed 10.
  test('a section value beats the default and loses to env', () => {
    const p = file('yaml', 'retention:\n  max-versions: 3\n  max-age-days: 9\n')
    expect(loadConfig({ '--config': p }, {}).retention).toEqual({ maxVersions: 3, maxAgeDays: 9 })
    expect(loadConfig({ '--config': p }, { CLOUDSTORAGE_RETENTION_MAX_VERSIONS: '4' }).retention).toEqual({ maxVersions: 4, maxAgeDays: 9 })
  })

  test('every contract flag/env pair maps to its setting', () => {
    const flags = { '--data': join(dir, 'd1'), '--host': '127.0.0.1', '--s3-port': '1', '--port': '2', '--region': 'r-1', '--domain': 'S3.Example.COM.', '--blob-backend': 'fs', '--master-key-file': join(dir, 'mk'), '--log-format': 'JSON' }
    const c = loadConfig(flags, {})
    expect(c.dataDir).toBe(join(dir, 'd1'))
    expect(c.host).toBe('127.0.0.1')
    expect([c.s3Port, c.port]).toEqual([1, 2])
    expect(c.region).toBe('r-1')
    expect(c.domain).toBe('s3.example.com')
    expect(c.masterKeyFile).toBe(join(dir, 'mk'))
    expect(c.logFormat).toBe('json')
    const e = loadConfig({}, {
      CLOUDSTORAGE_DATA: join(dir, 'd2'), CLOUDSTORAGE_HOST: '::1', CLOUDSTORAGE_S3_PORT: '3', CLOUDSTORAGE_PORT: '4',
      CLOUDSTORAGE_REGION: 'r-2', CLOUDSTORAGE_DOMAIN: 'nas.lan', CLOUDSTORAGE_SIGNUP: 'open', CLOUDSTORAGE_DEFAULT_QUOTA: '5GiB',
      CLOUDSTORAGE_RATE_LIMITS: 'off', CLOUDSTORAGE_WEBHOOK_ALLOWLIST: '10.0.0.0/8, nas.lan,,', CLOUDSTORAGE_MASTER_KEY: 'abc',
      CLOUDSTORAGE_ROOT_EMAIL: 'a@b.c', CLOUDSTORAGE_ROOT_PASSWORD: 'pw', CLOUDSTORAGE_ROOT_ACCESS_KEY: 'AK', CLOUDSTORAGE_ROOT_SECRET_KEY: 'SK',
      CLOUDSTORAGE_BLOB_BACKEND: 's3', CLOUDSTORAGE_UPSTREAM_ENDPOINT: 'http://up:9000', CLOUDSTORAGE_UPSTREAM_REGION: 'up-1',
      CLOUDSTORAGE_UPSTREAM_BUCKET: 'b', CLOUDSTORAGE_UPSTREAM_ACCESS_KEY: 'uak', CLOUDSTORAGE_UPSTREAM_SECRET_KEY: 'usk',
    })
    expect(e.dataDir).toBe(join(dir, 'd2'))
    expect([e.host, e.s3Port, e.port, e.region, e.domain, e.signup]).toEqual(['::1', 3, 4, 'r-2', 'nas.lan', 'open'])
    expect(e.plans[e.defaultPlan].quotaBytes).toBe(5 * 2 ** 30)
    expect(e.rateLimits).toBe(false)
    expect(e.webhookAllowlist).toEqual(['10.0.0.0/8', 'nas.lan'])
    expect(e.masterKey).toBe('abc')
    expect(e.root).toEqual({ email: 'a@b.c', password: 'pw', accessKey: 'AK', secretKey: 'SK' })
    expect(e.blobBackend).toBe('s3')
    expect(e.upstream).toEqual({ endpoint: 'http://up:9000', region: 'up-1', bucket: 'b', accessKey: 'uak', secretKey: 'usk' })
  })
})

describe('config file formats', () => {
  const expectSame = (path: string) => {
    const c = loadConfig({ '--config': path }, {})
    expect(c.s3Port).toBe(9100)
    expect(c.rateLimits).toBe(false)
    expect(c.webhookAllowlist).toEqual(['10.0.0.0/8', 'nas.lan'])
    expect(c.retention.maxVersions).toBe(3)
    expect(c.plans.pro.quotaBytes).toBe(100 * 2 ** 30)
    expect(c.plans.pro.maxKeys).toBe(3)
    expect(c.plans.pro.rates.write).toBe(7)
    expect(c.defaultPlan).toBe('pro')
    expect(c.image.maxInputBytes).toBe(20 * 10 ** 6)
  }

  test('JSON', () => {
    expectSame(file('json', JSON.stringify({
      's3-port': 9100, 'rate-limits': 'off', 'webhook-allowlist': ['10.0.0.0/8', 'nas.lan'], retention: { 'max-versions': 3 },
      plans: { pro: { quota: '100GiB', 'max-keys': 3, 'rate-limits': { write: 7 } } }, 'default-plan': 'pro', image: { 'max-input-size': '20MB' },
    })))
  })

  test('YAML (.yaml and .yml)', () => {
    const text = [
      's3-port: 9100', 'rate-limits: off', 'webhook-allowlist: [10.0.0.0/8, nas.lan]', 'retention:', '  max-versions: 3',
      'plans:', '  pro:', '    quota: 100GiB', '    max-keys: 3', '    rate-limits:', '      write: 7', 'default-plan: pro', 'image:', '  max-input-size: 20MB', '',
    ].join('\n')
    expectSame(file('yaml', text))
    expectSame(file('yml', text))
  })

  test('TOML', () => {
    expectSame(file('toml', [
      's3-port = 9100', 'rate-limits = false', 'webhook-allowlist = ["10.0.0.0/8", "nas.lan"]', 'default-plan = "pro"',
      '[retention]', 'max-versions = 3', '[plans.pro]', 'quota = "100GiB"', 'max-keys = 3', '[plans.pro.rate-limits]', 'write = 7',
      '[image]', 'max-input-size = "20MB"', '',
    ].join('\n')))
  })

  test('an empty YAML file is an empty configuration', () => {
    expect(loadConfig({ '--config': file('yaml', '') }, {}).s3Port).toBe(9000)
  })
})

describe('sizes', () => {
  test.each([
    ['10GiB', 10 * 2 ** 30], ['10 GiB', 10 * 2 ** 30], ['500MB', 500e6], ['1048576', 1048576], ['1.5KiB', 1536], ['2tib', 2 * 2 ** 40],
    ['0', 0], ['7b', 7], ['3k', 3000], [4096, 4096],
  ] as const)('parseSize(%p) = %p', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes)
  })

  test.each(['', 'GiB', '-1', '10 parsecs', '1e9', '10GiBs', '1,5MB'])('parseSize(%p) is not a size', (input) => {
    expect(parseSize(input)).toBeNull()
  })

  test('negative and fractional numbers are not sizes', () => {
    expect(parseSize(-1)).toBeNull()
    expect(parseSize(1.5)).toBeNull()
  })

  test('a quota from env and from a file', () => {
    expect(loadConfig({}, { CLOUDSTORAGE_DEFAULT_QUOTA: '10GiB' }).plans.default.quotaBytes).toBe(10737418240)
    expect(loadConfig({ '--config': file('yaml', 'default-quota: 250MiB\n') }, {}).plans.default.quotaBytes).toBe(250 * 2 ** 20)
  })
})

describe('invalid values fail with one line naming the setting', () => {
  test.each(([
    [{ '--s3-port': 'abc' }, {}, 'invalid --s3-port: "abc" is not a port number (0-65535)'],
    [{ '--s3-port': '65536' }, {}, 'invalid --s3-port: "65536" is not a port number (0-65535)'],
    [{ '--s3-port': '1e3' }, {}, 'invalid --s3-port: "1e3"'],
    [{ '--port': '-1' }, {}, 'invalid --port: "-1"'],
    [{ '--port': '9000', '--s3-port': '9000' }, {}, 'invalid --port: 9000 is also the --s3-port'],
    [{ '--region': 'EU Central' }, {}, 'invalid --region: "EU Central"'],
    [{ '--domain': '-bad-' }, {}, 'invalid --domain: "-bad-"'],
    [{ '--log-format': 'xml' }, {}, 'invalid --log-format: "xml" is not one of text, json'],
    [{ '--blob-backend': 'ftp' }, {}, 'invalid --blob-backend: "ftp" is not one of fs, s3'],
    [{ '--blob-backend': 's3' }, {}, "invalid --blob-backend: 's3' needs CLOUDSTORAGE_UPSTREAM_ENDPOINT"],
    [{ '--data': '  ' }, {}, 'invalid --data: "  "'],
    [{}, { CLOUDSTORAGE_S3_PORT: 'x' }, 'invalid CLOUDSTORAGE_S3_PORT: "x"'],
    [{}, { CLOUDSTORAGE_PORT: '99999' }, 'invalid CLOUDSTORAGE_PORT: "99999"'],
    [{}, { CLOUDSTORAGE_DEFAULT_QUOTA: '10 parsecs' }, 'invalid CLOUDSTORAGE_DEFAULT_QUOTA: "10 parsecs" is not a size'],
    [{}, { CLOUDSTORAGE_SIGNUP: 'maybe' }, 'invalid CLOUDSTORAGE_SIGNUP: "maybe" is not one of open, closed'],
    [{}, { CLOUDSTORAGE_RATE_LIMITS: 'sometimes' }, 'invalid CLOUDSTORAGE_RATE_LIMITS: "sometimes" is not on or off'],
    [{}, { CLOUDSTORAGE_REGION: 'Bad Region' }, 'invalid CLOUDSTORAGE_REGION'],
    [{}, { CLOUDSTORAGE_BLOB_BACKEND: 's3', CLOUDSTORAGE_UPSTREAM_ENDPOINT: 'http://x' }, "invalid --blob-backend: 's3' needs CLOUDSTORAGE_UPSTREAM_BUCKET, CLOUDSTORAGE_UPSTREAM_ACCESS_KEY, CLOUDSTORAGE_UPSTREAM_SECRET_KEY"],
    [{ '--config': '/nonexistent/cs.yaml' }, {}, 'invalid --config: /nonexistent/cs.yaml does not exist'],
    [{}, { CLOUDSTORAGE_PUBLIC_URL: 'files.example.com' }, 'invalid CLOUDSTORAGE_PUBLIC_URL: "files.example.com" is not an http(s) URL'],
    [{}, { CLOUDSTORAGE_S3_PUBLIC_URL: 'ftp://s3.example.com' }, 'invalid CLOUDSTORAGE_S3_PUBLIC_URL'],
    [{}, { CLOUDSTORAGE_S3_PUBLIC_URL: 'https://s3.example.com/?x=1' }, 'invalid CLOUDSTORAGE_S3_PUBLIC_URL'],
  ] as Array<[Record<string, string>, Record<string, string>, string]>).map(([flags, env, expected]) => [JSON.stringify({ ...flags, ...env }), flags, env, expected] as const))('%s', (_, flags, env, expected) => {
    expect(configError(flags, env)).toStartWith(expected)
  })

  test('public-url and s3-public-url: unset by default, kept without a trailing slash, host lower-cased', () => {
    expect(loadConfig({}, {}).publicUrl).toBeNull()
    expect(loadConfig({}, {}).s3PublicUrl).toBeNull()
    expect(loadConfig({}, { CLOUDSTORAGE_PUBLIC_URL: 'https://Files.Example.com/dash/' }).publicUrl).toBe('https://files.example.com/dash')
    expect(loadConfig({ '--config': file('yaml', 's3-public-url: http://nas.local:8080/\n') }, {}).s3PublicUrl).toBe('http://nas.local:8080')
  })

  test('a bad value in a config file names the key and the file', () => {
    const p = file('yaml', 's3-port: abc\n')
    expect(configError({ '--config': p })).toBe(`invalid s3-port (in ${p}): "abc" is not a port number (0-65535)`)
  })

  test.each([
    ['retention:\n  max-versions: 0\n', 'invalid retention.max-versions'],
    ['plans:\n  pro:\n    quota: lots\n', 'invalid plans.pro.quota'],
    ['plans:\n  pro:\n    max-keys: 0\n', 'invalid plans.pro.max-keys'],
    ['plans:\n  pro:\n    rate-limits:\n      write: -1\n', 'invalid plans.pro.rate-limits.write'],
    ['default-plan: gold\n', "invalid default-plan: 'gold' is not defined under plans"],
    ['image:\n  max-output-dimension: 100000\n', 'invalid image.max-output-dimension'],
    ['quota-warning-thresholds: 80\n', 'invalid quota-warning-thresholds'],
    ['quota-warning-thresholds: [50, 101]\n', 'invalid quota-warning-thresholds'],
    ['retention: 5\n', 'invalid retention: must be a mapping'],
    ['- just\n- a list\n', 'invalid --config'],
  ].map(([text, expected]) => [JSON.stringify(text), text, expected]))('file %s', (_, text, expected) => {
    expect(configError({ '--config': file('yaml', text) })).toStartWith(expected)
  })

  test('unparseable files name the file', () => {
    for (const [ext, text] of [['json', '{"s3-port": '], ['yaml', 'a: [unclosed'], ['toml', 'a = ']]) {
      const p = file(ext, text)
      expect(configError({ '--config': p })).toStartWith(`invalid --config: ${p} cannot be parsed`)
    }
  })
})

describe('unknown config-file keys are rejected', () => {
  test('at the top level', () => {
    const p = file('yaml', 's3_port: 9000\n')
    expect(configError({ '--config': p })).toBe(`invalid --config: unknown setting 's3_port' in ${p}`)
  })

  test('inside a plan', () => {
    expect(configError({ '--config': file('json', JSON.stringify({ plans: { pro: { quotas: '1GiB' } } })) })).toStartWith("invalid plans.pro: unknown setting 'quotas'")
  })

  // A typo inside a section used to be ignored silently, so the operator's limit never applied.
  test.each([
    ['retention:\n  max-version: 3\n', "invalid retention: unknown setting 'max-version'"],
    ['image:\n  max-input-pixel: 5\n', "invalid image: unknown setting 'max-input-pixel'"],
    ['plans:\n  pro:\n    rate-limits:\n      writes: 5\n', "invalid plans.pro.rate-limits: unknown setting 'writes'"],
  ].map(([text, expected]) => [JSON.stringify(text), text, expected]))('inside a section: %s', (_, text, expected) => {
    expect(configError({ '--config': file('yaml', text) })).toStartWith(expected)
  })
})
