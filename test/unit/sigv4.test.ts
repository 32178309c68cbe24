/**
 * SigV4 against AWS's published vectors, not against our own signer: the generic
 * "aws-sig-v4-test-suite" (service "service", 2015-08-30) and the S3 examples from "Signature
 * Calculations for the Authorization Header" / "Authenticating Requests: Using Query Parameters"
 * (examplebucket, 2013-05-24). The second half drives the real S3 auth dispatcher with those
 * requests, so parsing, canonicalisation and the clock check are all covered.
 */
import { describe, test, expect, beforeAll, afterAll } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  buildCanonicalRequest, canonicalQuery, checkTime, hmacHex, parseAmzDate, parseAuthorizationHeader, parsePresignedQuery,
  requestDate, sha256Hex, signaturesEqual, signingKey, stringToSign, type Credential, type ParsedAuth,
} from '../../src/auth/sigv4'
import { awsUriEncode } from '../../src/auth/uri-encode'
import { AppError } from '../../src/errors/app-error'
import { loadConfig } from '../../src/config/load'
import { createAppContext, type AppContext } from '../../src/app'
import { resolveS3 } from '../../src/http/s3/resolve'
import { authenticateS3 } from '../../src/http/s3/authenticate'

const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

/** Signs like a client would: every given header is signed, names lower-cased and sorted. */
function sign(v: { method: string; path: string; query?: Array<[string, string]>; headers: Record<string, string>; payloadHash: string; secret: string; cred: Credential; amzDate: string; presigned?: boolean }) {
  const headers = new Headers(v.headers)
  const signedHeaders = Object.keys(v.headers).map((h) => h.toLowerCase()).sort()
  const creq = buildCanonicalRequest({ method: v.method, decodedPath: v.path, query: v.query ?? [], headers, signedHeaders, payloadHash: v.payloadHash, presigned: !!v.presigned })
  const sts = stringToSign(v.amzDate, v.cred, creq)
  return { creq, sts, signature: hmacHex(signingKey(v.secret, v.cred), sts), signedHeaders }
}

describe('aws-sig-v4-test-suite (AKIDEXAMPLE, 20150830, us-east-1, service)', () => {
  const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
  const cred: Credential = { accessKeyId: 'AKIDEXAMPLE', date: '20150830', region: 'us-east-1', service: 'service' }
  const amzDate = '20150830T123600Z'
  const base = { host: 'example.amazonaws.com', 'x-amz-date': amzDate }

  const vectors: Array<{ name: string; method: string; path: string; query?: Array<[string, string]>; headers?: Record<string, string>; body?: string; creq: string; stsHash: string; signature: string }> = [
    {
      name: 'get-vanilla', method: 'GET', path: '/',
      creq: `GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY}`,
      stsHash: 'bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63',
      signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    },
    {
      name: 'get-vanilla-query-order-key-case', method: 'GET', path: '/', query: [['Param2', 'value2'], ['Param1', 'value1']],
      creq: `GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY}`,
      stsHash: '816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0',
      signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
    },
    {
      name: 'get-vanilla-query-order-value', method: 'GET', path: '/', query: [['Param1', 'value2'], ['Param1', 'value1']],
      creq: `GET\n/\nParam1=value1&Param1=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY}`,
      stsHash: 'c968629d70850097a2d8781c9bf7edcb988b04cac14cca9be4acc3595f884606',
      signature: '5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694',
    },
    {
      name: 'get-vanilla-query-unreserved', method: 'GET', path: '/',
      query: [['-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', '-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz']],
      creq: `GET\n/\n-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY}`,
      stsHash: 'c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177',
      signature: '9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197',
    },
    {
      name: 'get-vanilla-utf8-query', method: 'GET', path: '/', query: [['ሴ', 'bar']],
      creq: `GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY}`,
      stsHash: 'eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073',
      signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04',
    },
    {
      name: 'get-utf8', method: 'GET', path: '/ሴ',
      creq: `GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY}`,
      stsHash: '2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102',
      signature: '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85',
    },
    {
      name: 'get-unreserved', method: 'GET', path: '/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
      creq: `GET\n/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY}`,
      stsHash: '6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9',
      signature: '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f',
    },
    {
      name: 'get-header-value-trim', method: 'GET', path: '/', headers: { 'my-header1': ' value1', 'my-header2': ' "a   b   c"' },
      creq: `GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:"a b c"\nx-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n${EMPTY}`,
      stsHash: 'a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7',
      signature: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736',
    },
    {
      name: 'post-vanilla', method: 'POST', path: '/',
      creq: `POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY}`,
      stsHash: '553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87',
      signature: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
    },
    {
      name: 'post-vanilla-query', method: 'POST', path: '/', query: [['Param1', 'value1']],
      creq: `POST\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY}`,
      stsHash: '9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd',
      signature: '28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11',
    },
    {
      name: 'post-header-value-case', method: 'POST', path: '/', headers: { 'my-header1': 'VALUE1' },
      creq: `POST\n/\n\nhost:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n${EMPTY}`,
      stsHash: 'd51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93',
      signature: 'cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d',
    },
    {
      name: 'post-x-www-form-urlencoded', method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Param1=value1',
      creq: 'POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e',
      stsHash: '42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281',
      signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
    },
  ]

  test.each(vectors.map((v) => [v.name, v] as const))('%s', (_, v) => {
    const s = sign({ method: v.method, path: v.path, query: v.query, headers: { ...base, ...v.headers }, payloadHash: sha256Hex(v.body ?? ''), secret, cred, amzDate })
    expect(s.creq).toBe(v.creq)
    expect(s.sts).toBe(`AWS4-HMAC-SHA256\n${amzDate}\n20150830/us-east-1/service/aws4_request\n${v.stsHash}`)
    expect(s.signature).toBe(v.signature)
  })
})

// S3 examples: examplebucket, AKIAIOSFODNN7EXAMPLE, 2013-05-24, us-east-1.
const S3_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
const S3_AK = 'AKIAIOSFODNN7EXAMPLE'
const S3_CRED: Credential = { accessKeyId: S3_AK, date: '20130524', region: 'us-east-1', service: 's3' }
const S3_DATE = '20130524T000000Z'
const S3_NOW = Date.UTC(2013, 4, 24, 0, 0, 0)
const WELCOME_SHA = '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072'

interface S3Example { name: string; method: string; url: string; path: string; query: Array<[string, string]>; headers: Record<string, string>; payload: string; signature: string }
const S3_EXAMPLES: S3Example[] = [
  {
    name: 'GET Object (Range)', method: 'GET', url: '/test.txt', path: '/test.txt', query: [] as Array<[string, string]>,
    headers: { host: 'examplebucket.s3.amazonaws.com', range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY, 'x-amz-date': S3_DATE },
    payload: EMPTY, signature: 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
  },
  {
    name: 'PUT Object (Date header, storage class, $ in key)', method: 'PUT', url: '/test%24file.text', path: '/test$file.text', query: [] as Array<[string, string]>,
    headers: { date: 'Fri, 24 May 2013 00:00:00 GMT', host: 'examplebucket.s3.amazonaws.com', 'x-amz-content-sha256': WELCOME_SHA, 'x-amz-date': S3_DATE, 'x-amz-storage-class': 'REDUCED_REDUNDANCY' },
    payload: WELCOME_SHA, signature: '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
  },
  {
    name: 'GET Bucket lifecycle', method: 'GET', url: '/?lifecycle', path: '/', query: [['lifecycle', '']] as Array<[string, string]>,
    headers: { host: 'examplebucket.s3.amazonaws.com', 'x-amz-content-sha256': EMPTY, 'x-amz-date': S3_DATE },
    payload: EMPTY, signature: 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543',
  },
  {
    name: 'GET Bucket (List Objects)', method: 'GET', url: '/?max-keys=2&prefix=J', path: '/', query: [['max-keys', '2'], ['prefix', 'J']] as Array<[string, string]>,
    headers: { host: 'examplebucket.s3.amazonaws.com', 'x-amz-content-sha256': EMPTY, 'x-amz-date': S3_DATE },
    payload: EMPTY, signature: '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
  },
]

describe('S3 documentation examples (header auth)', () => {
  test('the PUT example body hashes to the published payload hash', () => {
    expect(sha256Hex('Welcome to Amazon S3.')).toBe(WELCOME_SHA)
  })

  test.each(S3_EXAMPLES.map((e) => [e.name, e] as const))('%s', (_, e) => {
    const s = sign({ method: e.method, path: e.path, query: e.query, headers: e.headers, payloadHash: e.payload, secret: S3_SECRET, cred: S3_CRED, amzDate: S3_DATE })
    expect(s.signature).toBe(e.signature)
  })

  test('GET Object canonical request and string to sign, exactly as published', () => {
    const e = S3_EXAMPLES[0]
    const s = sign({ method: e.method, path: e.path, headers: e.headers, payloadHash: e.payload, secret: S3_SECRET, cred: S3_CRED, amzDate: S3_DATE })
    expect(s.creq).toBe(`GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\nx-amz-content-sha256:${EMPTY}\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n${EMPTY}`)
    expect(s.sts).toBe('AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972')
  })

  test('the signing key derivation', () => {
    expect(signingKey(S3_SECRET, S3_CRED).toString('hex')).toBe('dbb893acc010964918f1fd433add87c70e8b0db6be30c1fbeafefa5ec6ba8378')
  })
})

describe('S3 documentation example (presigned URL)', () => {
  const query: Array<[string, string]> = [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'], ['X-Amz-Credential', `${S3_AK}/20130524/us-east-1/s3/aws4_request`], ['X-Amz-Date', S3_DATE],
    ['X-Amz-Expires', '86400'], ['X-Amz-SignedHeaders', 'host'],
  ]
  const SIG = 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404'

  test('signature over the canonical request without X-Amz-Signature', () => {
    const s = sign({ method: 'GET', path: '/test.txt', query: [...query, ['X-Amz-Signature', SIG]], headers: { host: 'examplebucket.s3.amazonaws.com' }, payloadHash: 'UNSIGNED-PAYLOAD', secret: S3_SECRET, cred: S3_CRED, amzDate: S3_DATE, presigned: true })
    expect(s.creq).toBe('GET\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\nhost:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD')
    expect(s.signature).toBe(SIG)
  })

  test('expiry: valid through its last second, expired after', () => {
    const p = parsePresignedQuery(new Map([...query, ['X-Amz-Signature', SIG]]))
    expect(p).toMatchObject({ kind: 'presigned', expires: 86400, signature: SIG, signedHeaders: ['host'] })
    expect(() => checkTime(p, S3_NOW + 86400_000)).not.toThrow()
    expectCode(() => checkTime(p, S3_NOW + 86401_000), 'AccessDenied')
    // Dated in the future: fine within the 15-minute skew, refused beyond it.
    expect(() => checkTime(p, S3_NOW - 15 * 60_000)).not.toThrow()
    expectCode(() => checkTime(p, S3_NOW - 15 * 60_000 - 1000), 'RequestTimeTooSkewed')
  })

  test.each([
    ['X-Amz-Expires', '0', 'AuthorizationQueryParametersError'],
    ['X-Amz-Expires', '604801', 'AuthorizationQueryParametersError'],
    ['X-Amz-Expires', '-1', 'AuthorizationQueryParametersError'],
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA1', 'AuthorizationQueryParametersError'],
    ['X-Amz-SignedHeaders', 'x-amz-date', 'AuthorizationQueryParametersError'],
    ['X-Amz-Credential', `${S3_AK}/20130524/us-east-1/ec2/aws4_request`, 'AuthorizationQueryParametersError'],
  ])('%s=%s is refused with %s', (name, value, code) => {
    const q = new Map([...query, ['X-Amz-Signature', SIG]] as Array<[string, string]>)
    q.set(name, value)
    expectCode(() => parsePresignedQuery(q), code)
  })

  test('604800 seconds (7 days) is the longest accepted expiry', () => {
    const q = new Map([...query, ['X-Amz-Signature', SIG]] as Array<[string, string]>)
    q.set('X-Amz-Expires', '604800')
    expect(parsePresignedQuery(q).expires).toBe(604800)
  })
})

function expectCode(fn: () => unknown, code: string) {
  let err: unknown
  try {
    fn()
  } catch (e) {
    err = e
  }
  expect(err).toBeInstanceOf(AppError)
  expect((err as AppError).code as string).toBe(code)
}

describe('parsing and helpers', () => {
  const header = `AWS4-HMAC-SHA256 Credential=${S3_AK}/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=F0E8BDB87C964420E857BD35B5D6ED310BD44F0170ABA48DD91039C6036BDB41`

  test('parses the documented Authorization header (signature compared lower-case)', () => {
    const p = parseAuthorizationHeader(header, S3_DATE)
    expect(p).toEqual({
      kind: 'header', credential: S3_CRED, signedHeaders: ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'],
      signature: 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41', amzDate: S3_DATE,
    } satisfies ParsedAuth)
  })

  test.each([
    ['AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=', 'InvalidRequest'],
    ['Bearer abc', 'AuthorizationHeaderMalformed'],
    ['AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, Signature=abc', 'AuthorizationHeaderMalformed'],
    ['AWS4-HMAC-SHA256 Credential=AK/2013-05-24/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=abc', 'AuthorizationHeaderMalformed'],
    ['AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws5_request, SignedHeaders=host, Signature=abc', 'AuthorizationHeaderMalformed'],
  ])('%s → %s', (h, code) => {
    expectCode(() => parseAuthorizationHeader(h, S3_DATE), code)
  })

  test('a header without any date is AccessDenied', () => {
    expectCode(() => parseAuthorizationHeader(header, null), 'AccessDenied')
  })

  test('clock skew is ±15 minutes in both directions', () => {
    const p = parseAuthorizationHeader(header, S3_DATE)
    for (const d of [0, 15 * 60_000, -15 * 60_000]) expect(() => checkTime(p, S3_NOW + d)).not.toThrow()
    for (const d of [15 * 60_000 + 1000, -15 * 60_000 - 1000]) expectCode(() => checkTime(p, S3_NOW + d), 'RequestTimeTooSkewed')
  })

  test('a credential date that differs from the request date is refused', () => {
    expectCode(() => checkTime(parseAuthorizationHeader(header, '20130525T000000Z'), Date.UTC(2013, 4, 25)), 'SignatureDoesNotMatch')
  })

  test('requestDate: x-amz-date wins, else the HTTP Date header in ISO basic form', () => {
    expect(requestDate(new Headers({ 'x-amz-date': S3_DATE, date: 'Sat, 01 Jan 2000 00:00:00 GMT' }))).toBe(S3_DATE)
    expect(requestDate(new Headers({ date: 'Fri, 24 May 2013 00:00:00 GMT' }))).toBe(S3_DATE)
    expect(requestDate(new Headers({ date: 'not a date' }))).toBeNull()
    expect(requestDate(new Headers())).toBeNull()
  })

  test('parseAmzDate', () => {
    expect(parseAmzDate(S3_DATE)).toBe(S3_NOW)
    expect(parseAmzDate('2013-05-24T00:00:00Z')).toBeNull()
  })

  test('URI encoding keeps unreserved characters and encodes everything else as UTF-8 upper-case hex', () => {
    expect(awsUriEncode('a b/c+d*e~f%g', true)).toBe('a%20b/c%2Bd%2Ae~f%25g')
    expect(awsUriEncode('a/b', false)).toBe('a%2Fb')
    expect(awsUriEncode('ö€😀', false)).toBe('%C3%B6%E2%82%AC%F0%9F%98%80')
  })

  test('canonical query sorts by encoded name then value, keeps empty values', () => {
    expect(canonicalQuery([['b', '2'], ['a', ''], ['a b', 'x'], ['A', '1']], false)).toBe('A=1&a=&a%20b=x&b=2')
  })

  test('signaturesEqual is exact and length-safe', () => {
    expect(signaturesEqual('abc', 'abc')).toBe(true)
    expect(signaturesEqual('abc', 'abd')).toBe(false)
    expect(signaturesEqual('abc', 'abcd')).toBe(false)
  })
})

describe('the S3 auth dispatcher accepts the published requests', () => {
  let dir: string
  let ctx: AppContext
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cs-sigv4-'))
    ctx = createAppContext(loadConfig({ '--data': dir }, {}))
    await ctx.services.accounts.create({ email: 'example@test.local', password: 'example-password-1', accessKey: S3_AK, secretKey: S3_SECRET })
  })
  afterAll(() => {
    ctx.db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const authHeader = (signedHeaders: string[], signature: string) =>
    `AWS4-HMAC-SHA256 Credential=${S3_AK}/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signedHeaders.join(';')},Signature=${signature}`

  function authenticate(method: string, url: string, headers: Record<string, string>, now = S3_NOW) {
    const request = new Request(`http://127.0.0.1${url}`, { method, headers })
    return authenticateS3(ctx, request, resolveS3(method, request.url, request.headers, null), now)
  }

  test.each(S3_EXAMPLES.map((e) => [e.name, e] as const))('%s', (_, e) => {
    // Virtual-hosted style needs the domain; the published host is examplebucket.s3.amazonaws.com.
    const signed = Object.keys(e.headers).sort()
    const headers = { ...e.headers, authorization: authHeader(signed, e.signature) }
    const request = new Request(`http://examplebucket.s3.amazonaws.com${e.url}`, { method: e.method, headers })
    const target = resolveS3(e.method, request.url, request.headers, 's3.amazonaws.com')
    const auth = authenticateS3(ctx, request, target, S3_NOW)
    expect(auth.accessKeyId).toBe(S3_AK)
    expect(auth.principal.kind).toBe('account')
    expect(auth.presigned).toBe(false)
    // A single changed hex digit is a SignatureDoesNotMatch.
    const bad = e.signature.slice(0, -1) + (e.signature.endsWith('0') ? '1' : '0')
    const badReq = new Request(request.url, { method: e.method, headers: { ...e.headers, authorization: authHeader(signed, bad) } })
    expectCode(() => authenticateS3(ctx, badReq, resolveS3(e.method, badReq.url, badReq.headers, 's3.amazonaws.com'), S3_NOW), 'SignatureDoesNotMatch')
  })

  test('the presigned GET example', () => {
    const url = `http://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${S3_AK}%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404`
    const request = new Request(url, { headers: { host: 'examplebucket.s3.amazonaws.com' } })
    const auth = authenticateS3(ctx, request, resolveS3('GET', request.url, request.headers, 's3.amazonaws.com'), S3_NOW + 3600_000)
    expect(auth).toMatchObject({ accessKeyId: S3_AK, presigned: true, payload: { kind: 'unsigned' } })
    const later = new Request(url, { headers: { host: 'examplebucket.s3.amazonaws.com' } })
    expectCode(() => authenticateS3(ctx, later, resolveS3('GET', later.url, later.headers, 's3.amazonaws.com'), S3_NOW + 86401_000), 'AccessDenied')
  })

  test('the aws-chunked seed request yields the signing chain for the body', () => {
    const headers = {
      'content-encoding': 'aws-chunked', 'content-length': '66824', host: 's3.amazonaws.com', 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      'x-amz-date': S3_DATE, 'x-amz-decoded-content-length': '66560', 'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    }
    const seed = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9'
    const auth = authenticate('PUT', '/examplebucket/chunkObject.txt', { ...headers, authorization: authHeader(Object.keys(headers).sort(), seed) })
    expect(auth.payload).toEqual({ kind: 'chunked', signed: true, trailer: false })
    expect(auth.signing?.seedSignature).toBe(seed)
    expect(auth.signing?.key.toString('hex')).toBe('dbb893acc010964918f1fd433add87c70e8b0db6be30c1fbeafefa5ec6ba8378')
  })

  test('an unknown access key is InvalidAccessKeyId; a missing x-amz-content-sha256 is InvalidRequest', () => {
    const e = S3_EXAMPLES[0]
    const h = { ...e.headers, authorization: authHeader(Object.keys(e.headers).sort(), e.signature).replace(S3_AK, 'AKIAUNKNOWNKEY000000') }
    expectCode(() => authenticate('GET', '/examplebucket/test.txt', h), 'InvalidAccessKeyId')
    const noSha = { ...e.headers }
    delete noSha['x-amz-content-sha256']
    expectCode(() => authenticate('GET', '/examplebucket/test.txt', { ...noSha, authorization: authHeader(Object.keys(noSha).sort(), e.signature) }), 'InvalidRequest')
  })
})
