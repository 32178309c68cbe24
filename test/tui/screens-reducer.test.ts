/**
 * The newer screens' state, without Ink: keys become actions, actions become state, and a
 * change to the server is only described (state.pending) until the App reports back.
 */
import { describe, expect, test } from 'bun:test'
import { initialState, reducer, type Action, type TuiState } from '../../tui/state/reducer'
import type { AccessKey, Bucket, Delivery, ObjectPage, VersionList, VersionedFiles, DeletedFiles, Webhook } from '../../tui/api'
import type { Share } from '../../tui/api'
import { listOf } from '../../tui/state/common'
import { selectedRow } from '../../tui/state/list'
import { fileRows } from '../../tui/state/files'
import { tmResources, tmRows } from '../../tui/state/timemachine'

const run = (s: TuiState, ...actions: Action[]) => actions.reduce(reducer, s)
const at = 1_000_000
const load = (resource: string, data: unknown): Action => ({ type: 'loaded', resource, data, at })
const done = (s: TuiState, value: unknown): TuiState => reducer(s, { type: 'mutationDone', seq: s.pending!.seq, result: { op: s.pending!.op as never, value } })
const typeText = (text: string): Action => ({ type: 'dialog/type', text })

const bucket = (name: string, over: Partial<Bucket> = {}): Bucket => ({
  name, createdAt: '2025-01-01T00:00:00.000Z', isDefault: false, region: 'eu-central-1', versioning: '', timeMachine: true, publicRead: false,
  retention: { maxVersions: null, maxAgeDays: null }, usage: { bytes: 0, storedBytes: 0, objects: 0 }, ...over,
})
const key = (accessKey: string, name: string): AccessKey => ({ id: accessKey, accessKey, name, createdAt: '2025-01-01T00:00:00.000Z', lastUsedAt: null })

describe('lists: moving and the / filter', () => {
  const s0 = run({ ...initialState('keys'), bodyRows: 10 }, load('keys', [key('AK1', 'laptop'), key('AK2', 'backup'), key('AK3', 'nas')]))

  test('moves by id; the selection survives a refresh that inserts a row before it', () => {
    let s = run(s0, { type: 'list/move', to: 'down' })
    expect(listOf(s, 'keys').selectedId).toBe('AK2')
    s = run(s, load('keys', [key('AK0', 'first'), key('AK1', 'laptop'), key('AK2', 'backup'), key('AK3', 'nas')].map((k, i) => ({ ...k, createdAt: `2024-0${i + 1}-01T00:00:00.000Z` }))))
    expect(listOf(s, 'keys').selectedId).toBe('AK2')
    expect(run(s, { type: 'list/move', to: 'last' }).lists.keys?.selectedId).toBe('AK3')
    // At the end already: the very same state.
    const end = run(s, { type: 'list/move', to: 'last' })
    expect(run(end, { type: 'list/move', to: 'down' })).toBe(end)
  })

  test('/ filters as you type, enter keeps it, esc (back) clears it', () => {
    let s = run(s0, { type: 'list/filter', filter: { type: 'open' } }, { type: 'list/filter', filter: { type: 'type', text: 'NA' } })
    expect(listOf(s, 'keys')).toMatchObject({ filter: 'NA', filtering: true })
    s = run(s, { type: 'list/move', to: 'first' })
    expect(listOf(s, 'keys').selectedId).toBe('AK3')
    s = run(s, { type: 'list/filter', filter: { type: 'done' } })
    expect(listOf(s, 'keys')).toMatchObject({ filter: 'NA', filtering: false })
    s = run(s, { type: 'back' })
    expect(listOf(s, 'keys')).toMatchObject({ filter: '', filtering: false })
  })
})

describe('actions act on the row the filter leaves selected', () => {
  const filter = (text: string): Action[] => [{ type: 'list/filter', filter: { type: 'open' } }, { type: 'list/filter', filter: { type: 'type', text } }, { type: 'list/filter', filter: { type: 'done' } }]
  const buckets = load('buckets', [bucket('alpha'), bucket('beta'), bucket('gamma')])
  const hook = (id: string, url: string): Webhook => ({ id, url, events: ['object.created'], active: true, consecutiveFailures: 0, disabledReason: null, createdAt: '', bucket: null, prefix: null, previousSecretExpiresAt: null })
  const delivery = (id: number): Delivery => ({ id, eventId: id, event: 'object.created', kind: 'event', messageId: `msg_${id}`, status: 'failed', attempts: 1, lastStatus: 500, lastError: null, responseStatus: 500, error: null, requestHeaders: null, responseBody: null, latencyMs: 1, createdAt: '', finishedAt: null, nextAttemptAt: null })
  const tmFiles: VersionedFiles = { bucket: 'alpha', hasMore: false, nextCursor: null, files: ['a.txt', 'b.txt'].map((k) => ({ id: k, key: k, versions: 2, deleted: false, updatedAt: '2025-01-03T00:00:00.000Z' })) }

  test('buckets: /gam, then d and enter take gamma, not the first row', () => {
    const s = run(initialState('buckets'), buckets, ...filter('gam'))
    expect(run(s, { type: 'buckets/delete' }).dialog).toMatchObject({ title: 'Delete bucket gamma?', expect: 'gamma' })
    expect(run(s, { type: 'buckets/files' }).files.bucket).toBe('gamma')
    expect(run(s, { type: 'buckets/tm' }).tm.bucket).toBe('gamma')
  })

  test('keys, files, the Time Machine, webhooks, deliveries and shares alike', () => {
    const keys = run(initialState('keys'), load('keys', [key('AK1', 'laptop'), key('AK2', 'nas')]), ...filter('nas'), { type: 'keys/revoke' })
    expect(keys.dialog).toMatchObject({ expect: 'nas', request: { op: 'revokeKey', id: 'AK2' } })

    const fileBuckets = run(initialState('files'), buckets, ...filter('gam'), { type: 'files/open' })
    expect(fileBuckets.files.bucket).toBe('gamma')
    const files = run(initialState('files'), { type: 'goto', place: { screen: 'files', bucket: 'alpha', prefix: '' } }, buckets, load('objects:alpha::', page(['a.txt', 'b.txt'], [])), ...filter('b.'))
    expect(run(files, { type: 'files/delete' }).dialog).toMatchObject({ request: { op: 'deleteObject', key: 'b.txt' } })
    expect(run(files, { type: 'files/tm' }).tm.key).toBe('b.txt')

    const tmBucket = run(initialState('tm'), buckets, ...filter('gam'), { type: 'tm/open' })
    expect(tmBucket.tm.bucket).toBe('gamma')
    const tm = run(initialState('tm'), buckets, { type: 'tm/open' }, load('tmFiles:alpha', tmFiles), ...filter('b.'), { type: 'tm/open' })
    expect(tm.tm.key).toBe('b.txt')

    const hooks = run(initialState('webhooks'), load('webhooks', [hook('wh_1', 'https://one.example/h'), hook('wh_2', 'https://two.example/h')]), ...filter('two'))
    expect(run(hooks, { type: 'webhooks/delete' }).dialog).toMatchObject({ expect: 'two.example' })
    const log = run(hooks, { type: 'webhooks/open' }, load('deliveries:wh_2', [delivery(9), delivery(8)]), ...filter('8'), { type: 'webhooks/redeliver' })
    expect(log.pending).toMatchObject({ op: 'redeliver', id: 'wh_2', deliveryId: 8 })

    const share = (id: string, k: string): Share => ({
      id, url: `http://h/s/${id}`, token: id, bucket: 'photos', key: k, versionId: null, prefix: false, expiresAt: null, maxDownloads: null,
      downloads: 0, hasPassword: false, createdAt: `2025-01-0${id.slice(-1)}T00:00:00.000Z`, revokedAt: null, status: 'active',
    })
    const shares = run(initialState('shares'), load('shares', [share('sh1', 'a.txt'), share('sh2', 'b.txt')]), ...filter('a.txt'), { type: 'shares/copy' })
    expect(shares.clipboard).toMatchObject({ text: 'http://h/s/sh1' })
  })

  test('esc clears the filter and keeps the cursor on the row it was on', () => {
    const s = run(initialState('buckets'), buckets, ...filter('gam'), { type: 'back' })
    expect(listOf(s, 'buckets').filter).toBe('')
    expect(run(s, { type: 'buckets/delete' }).dialog).toMatchObject({ title: 'Delete bucket gamma?' })
  })
})

describe('Keys', () => {
  const s0 = run(initialState('keys'), load('keys', [key('AK1', 'laptop')]))

  test('n: a form; its Enter asks the server; the answer shows the secret once with snippets', () => {
    let s = run(s0, { type: 'keys/new' }, typeText('ci'))
    expect(s.dialog).toMatchObject({ kind: 'form', form: 'newKey' })
    s = run(s, { type: 'dialog/submit' })
    expect(s.pending).toMatchObject({ op: 'createKey', name: 'ci', s3Url: null })
    s = done(s, { created: { id: 'AKNEW', accessKey: 'AKNEW', secretKey: 'SECRET123', name: 'ci', createdAt: '' }, s3Url: 'http://h:9000', region: 'eu-central-1' })
    expect(s.pending).toBeNull()
    expect(s.dialog?.kind).toBe('text')
    const panel = s.dialog as Extract<TuiState['dialog'], { kind: 'text' }>
    const text = panel.lines.map((l) => l.text).join('\n')
    expect(text).toContain('Secret key  SECRET123')
    expect(text).toContain('aws configure set aws_secret_access_key SECRET123 --profile cloudstorage')
    expect(text).toContain('aws configure set endpoint_url http://h:9000 --profile cloudstorage')
    expect(text).toContain('rclone config create cloudstorage s3 provider=Other access_key_id=AKNEW secret_access_key=SECRET123 endpoint=http://h:9000 region=eu-central-1')
    expect(panel.copy.map((c) => c.key)).toEqual(['c', 'a', 'o'])
    // c copies the secret (the App writes it as OSC 52); closing forgets it.
    s = run(s, { type: 'dialog/copy', key: 'c' })
    expect(s.clipboard).toMatchObject({ text: 'SECRET123' })
    s = run(s, { type: 'dialog/submit' })
    expect(s.dialog).toBeNull()
  })

  test('d: revoking needs the name typed exactly', () => {
    let s = run(s0, { type: 'keys/revoke' }, typeText('lapto'), { type: 'dialog/submit' })
    expect(s.dialog).toMatchObject({ kind: 'typed', mismatch: true })
    expect(s.pending).toBeNull()
    s = run(s, typeText('p'), { type: 'dialog/submit' })
    expect(s.pending).toMatchObject({ op: 'revokeKey', id: 'AK1' })
    s = done(s, undefined)
    expect(s.notice).toEqual({ tone: 'ok', text: 'revoked AK1' })
  })

  test('a refusal keeps a form open with the server\'s words', () => {
    let s = run(s0, { type: 'keys/new' }, { type: 'dialog/submit' })
    s = reducer(s, { type: 'mutationFailed', seq: s.pending!.seq, problem: { kind: 'server', code: 'TooManyAccessKeys', message: 'x', detail: 'An account can have at most 5 access keys; revoke one first.' } })
    expect(s.dialog).toMatchObject({ kind: 'form', error: 'An account can have at most 5 access keys; revoke one first. (TooManyAccessKeys)' })
  })
})

describe('Buckets', () => {
  const s0 = run(initialState('buckets'), load('buckets', [bucket('photos', { usage: { bytes: 2048, storedBytes: 1024, objects: 3 } }), bucket('root', { isDefault: true }), bucket('zz-empty', { timeMachine: false })]))

  test('Time Machine off and public read on ask first; the other directions go at once', () => {
    let s = run(s0, { type: 'buckets/toggle', setting: 'timeMachine' })
    expect(s.dialog).toMatchObject({ kind: 'confirm', tone: 'warn', title: 'Turn Time Machine off for photos?' })
    s = run(s, { type: 'dialog/confirm' })
    expect(s.pending).toMatchObject({ op: 'updateBucket', name: 'photos', patch: { versioning: false } })
    const last = run(s0, { type: 'list/move', to: 'last' }, { type: 'buckets/toggle', setting: 'timeMachine' })
    expect(last.pending).toMatchObject({ op: 'updateBucket', name: 'zz-empty', patch: { versioning: true } })
    expect(run(s0, { type: 'buckets/toggle', setting: 'publicRead' }).dialog).toMatchObject({ kind: 'confirm', tone: 'danger' })
  })

  test('delete: the name typed; a bucket with objects says what goes and deletes with force', () => {
    const s = run(s0, { type: 'buckets/delete' })
    expect(s.dialog).toMatchObject({ kind: 'typed', expect: 'photos', request: { op: 'deleteBucket', name: 'photos', force: true } })
    expect((s.dialog as { lines: string[] }).lines[0]).toContain('3 objects (2.00 KiB)')
    const empty = run(s0, { type: 'list/move', to: 'last' }, { type: 'buckets/delete' })
    expect(empty.dialog).toMatchObject({ request: { force: false } })
    const root = run(s0, { type: 'list/move', to: 'down' }, { type: 'buckets/delete' })
    expect(root.dialog).toBeNull()
    expect(root.notice?.text).toContain('default bucket')
  })

  test('retention: numbers in range or empty for the default', () => {
    let s = run(s0, { type: 'buckets/retention' }, typeText('0'), { type: 'dialog/field', step: 1 }, { type: 'dialog/submit' })
    expect(s.dialog).toMatchObject({ kind: 'form', error: 'Versions must be a whole number from 1 to 100000, or empty' })
    s = run(s, { type: 'dialog/field', step: -1 }, { type: 'dialog/erase' }, typeText('5'), { type: 'dialog/field', step: 1 }, typeText('14'), { type: 'dialog/submit' })
    expect(s.pending).toMatchObject({ op: 'updateBucket', name: 'photos', patch: { retention: { maxVersions: 5, maxAgeDays: 14 } } })
  })

  test('enter opens the bucket in Files; esc at its top comes back', () => {
    let s = run(s0, { type: 'buckets/files' })
    expect(s).toMatchObject({ screen: 'files', files: { bucket: 'photos', prefix: '' }, returnTo: 'buckets' })
    s = run(s, { type: 'back' })
    expect(s.screen).toBe('files')
    expect(s.files.bucket).toBeNull()
    expect(run(s, { type: 'back' }).screen).toBe('buckets')
  })
})

const page = (objects: string[], prefixes: string[], nextCursor: string | null = null): ObjectPage => ({
  bucket: 'photos', prefix: '', delimiter: '/', prefixes, nextCursor,
  objects: objects.map((k) => ({ id: k, key: k, size: 10, etag: '"e"', contentType: 'text/plain', lastModified: '2025-01-01T00:00:00.000Z' })),
})

describe('Files', () => {
  const inBucket = run(initialState('files'), { type: 'goto', place: { screen: 'files', bucket: 'photos', prefix: '' } },
    load('buckets', [bucket('photos'), bucket('plain', { timeMachine: false })]), load('objects:photos::', page(['a.txt'], ['2024/'], 'CUR')))

  test('folders first, files, then more…; enter opens a folder, .. and esc go up', () => {
    expect(fileRows(inBucket).map((r) => `${r.kind}:${r.text}`)).toEqual(['folder:2024/', 'file:a.txt', 'more:'])
    let s = run(inBucket, { type: 'files/open' })
    expect(s.files).toEqual({ bucket: 'photos', prefix: '2024/', pages: [] })
    s = run(s, load('objects:photos:2024/:', { ...page(['2024/img.jpg'], []), prefix: '2024/' }))
    expect(fileRows(s).map((r) => r.text)).toEqual(['..', 'img.jpg'])
    expect(run(s, { type: 'files/open' }).files.prefix).toBe('')
    const up = run(s, { type: 'back' })
    expect(up.files.prefix).toBe('')
    expect(listOf(up, 'files').selectedId).toBe('d:2024/')
    // more… asks for the next page.
    const more = run(inBucket, { type: 'list/move', to: 'last' }, { type: 'files/open' })
    expect(more.files.pages).toEqual(['CUR'])
  })

  test('upload: a local path, named after the file in the current folder', () => {
    const s = run(inBucket, { type: 'files/upload' }, typeText('~/docs/report.pdf'), { type: 'dialog/submit' }, { type: 'dialog/submit' })
    expect(s.dialog).toBeNull()
    expect(s.transfer).toMatchObject({ status: 'running', request: { kind: 'upload', path: '~/docs/report.pdf', bucket: 'photos', key: 'report.pdf' } })
    // One at a time.
    const again = run(s, { type: 'files/upload' }, typeText('x'), { type: 'dialog/submit' }, { type: 'dialog/submit' })
    expect(again.transfer?.id).toBe(s.transfer!.id)
    expect(again.notice?.text).toContain('a transfer is running')
  })

  test('delete: y/N where Time Machine keeps history, the name typed where nothing does', () => {
    const onFile = run(inBucket, { type: 'list/move', to: 'down' })
    expect(run(onFile, { type: 'files/delete' }).dialog).toMatchObject({ kind: 'confirm', request: { op: 'deleteObject', bucket: 'photos', key: 'a.txt' } })
    const plain = run(onFile, { type: 'files/goto', bucket: 'plain', prefix: '' }, load('objects:plain::', page(['b.txt'], [])), { type: 'files/delete' })
    expect(plain.dialog).toMatchObject({ kind: 'typed', expect: 'b.txt' })
  })

  test('c: a presigned URL for a chosen time; t: the file in Time Machine', () => {
    const onFile = run(inBucket, { type: 'list/move', to: 'down' })
    const s = run(onFile, { type: 'files/copyUrl' }, { type: 'dialog/cycle', step: 1 }, { type: 'dialog/submit' })
    expect(s.pending).toMatchObject({ op: 'copyUrl', bucket: 'photos', key: 'a.txt', expiresIn: 86_400 })
    const copied = done(s, { url: 'http://h:9000/photos/a.txt?X-Amz-Signature=1', method: 'GET', headers: {}, expiresAt: '2025-01-02T00:00:00.000Z' })
    expect(copied.clipboard).toMatchObject({ text: 'http://h:9000/photos/a.txt?X-Amz-Signature=1', what: 'presigned URL' })
    expect(run(onFile, { type: 'files/tm' })).toMatchObject({ screen: 'tm', tm: { bucket: 'photos', key: 'a.txt' }, returnTo: 'files' })
  })
})

const versions = (n: number): VersionList => ({
  bucket: 'photos', key: 'a.txt',
  versions: Array.from({ length: n }, (_, i) => ({ versionId: `V${n - i}`, versionNumber: n - i, size: 10 + i, createdAt: `2025-01-0${n - i}T00:00:00.000Z`, isCurrent: i === 0 })),
})

describe('Time Machine', () => {
  const files: VersionedFiles = { bucket: 'photos', files: [{ id: '1', key: 'a.txt', versions: 3, deleted: false, updatedAt: '2025-01-03T00:00:00.000Z' }], hasMore: false, nextCursor: null }
  const s0 = run(initialState('tm'), load('buckets', [bucket('photos')]), { type: 'tm/open' }, load('tmFiles:photos', files))

  test('bucket → files → versions, and back', () => {
    expect(s0.tm.bucket).toBe('photos')
    let s = run(s0, { type: 'tm/open' }, load('tmVersions:photos:a.txt', versions(3)))
    expect(s.tm.key).toBe('a.txt')
    expect(tmRows(s).map((r) => r.id)).toEqual(['V3', 'V2', 'V1'])
    s = run(s, { type: 'back' })
    expect(s.tm).toMatchObject({ bucket: 'photos', key: null })
    expect(listOf(s, 'tmFiles').selectedId).toBe('a.txt')
    s = run(s, { type: 'back' })
    expect(s.tm.bucket).toBeNull()
  })

  test('restore asks, then restores; the current version is refused', () => {
    const s = run(s0, { type: 'tm/open' }, load('tmVersions:photos:a.txt', versions(3)))
    expect(run(s, { type: 'tm/restore' }).notice?.text).toBe('version 3 is already the current one')
    let r = run(s, { type: 'list/move', to: 'last' }, { type: 'tm/restore' })
    expect(r.dialog).toMatchObject({ kind: 'confirm', title: 'Restore version 1 of a.txt?' })
    r = run(r, { type: 'dialog/confirm' })
    expect(r.pending).toMatchObject({ op: 'restore', versionId: 'V1', versionNumber: 1 })
    r = done(r, { success: true, restoredVersion: 'V1', newVersionNumber: 4 })
    expect(r.notice?.text).toBe('restored version 1 of a.txt: it is now version 4')
  })

  test('diff: the marked version against the selected one, older first; without a mark, against the current', () => {
    const s = run(s0, { type: 'tm/open' }, load('tmVersions:photos:a.txt', versions(3)))
    const marked = run(s, { type: 'tm/mark' }, { type: 'list/move', to: 'last' }, { type: 'tm/diff' })
    expect(marked.pending).toMatchObject({ op: 'compare', from: 'V1', to: 'V3' })
    const vsCurrent = run(s, { type: 'list/move', to: 'down' }, { type: 'tm/diff' })
    expect(vsCurrent.pending).toMatchObject({ op: 'compare', from: 'V2', to: 'V3' })
    const shown = done(vsCurrent, {
      kind: 'diff', key: 'a.txt', identical: false, diff: '--- a.txt@v2\n+++ a.txt@v3\n@@ -1 +1 @@\n-old\n+new\n', stats: { added: 1, removed: 1 },
      from: { versionNumber: 2 }, to: { versionNumber: 3 },
    })
    const lines = (shown.dialog as Extract<TuiState['dialog'], { kind: 'text' }>).lines
    expect(lines.find((l) => l.text === '-old')?.color).toBe('red')
    expect(lines.find((l) => l.text === '+new')?.color).toBe('green')
    expect(lines.find((l) => l.text.startsWith('@@'))?.color).toBe('cyan')
    expect(run(s, { type: 'tm/diff' }).notice?.tone).toBe('error')
  })

  test('deleted files: x shows them, u undeletes, P purges with the name typed', () => {
    const deleted: DeletedFiles = { bucket: 'photos', files: [{ id: '2', key: 'gone/b.txt', versions: 2, deletedAt: '2025-01-04T00:00:00.000Z' }], hasMore: false, nextCursor: null }
    const s = run(s0, { type: 'tm/deleted' }, load('tmDeleted:photos', deleted))
    expect(s.tm.deleted).toBe(true)
    expect(run(s, { type: 'tm/undelete' }, { type: 'dialog/confirm' }).pending).toMatchObject({ op: 'undelete', bucket: 'photos', key: 'gone/b.txt' })
    expect(run(s, { type: 'tm/purge' }).dialog).toMatchObject({ kind: 'typed', expect: 'b.txt', request: { op: 'purge', key: 'gone/b.txt' } })
    expect(run(s, { type: 'tm/deleted' }).tm.deleted).toBe(false)
  })
})

describe('Time Machine: lists longer than a page', () => {
  const file = (k: string) => ({ id: k, key: k, versions: 2, deleted: false, updatedAt: '2025-01-03T00:00:00.000Z' })
  const page1: VersionedFiles = { bucket: 'photos', files: [file('a.txt'), file('b.txt')], hasMore: true, nextCursor: 'C2' }
  const page2: VersionedFiles = { bucket: 'photos', files: [file('c.txt')], hasMore: false, nextCursor: null }
  const s0 = run(initialState('tm'), load('buckets', [bucket('photos')]), { type: 'tm/open' }, load('tmFiles:photos', page1))

  test('files with history: a more… row asks for the next page, whose files follow', async () => {
    expect(tmRows(s0).map((r) => `${r.kind}:${r.id}`)).toEqual(['file:a.txt', 'file:b.txt', 'more:more:C2'])
    let s = run(s0, { type: 'list/move', to: 'last' }, { type: 'tm/open' })
    expect(s.tm.pages).toEqual(['C2'])
    // The next page is polled with its cursor, under its own key.
    const specs = tmResources(s)
    expect(specs.map((x) => x.key)).toEqual(['tmFiles:photos', 'tmFiles:photos:C2'])
    const asked: unknown[] = []
    await specs[1].load({ versionedFiles: async (...a: unknown[]) => { asked.push(a.slice(0, 2)); return page2 } } as never, new AbortController().signal)
    expect(asked).toEqual([['photos', { cursor: 'C2', limit: 1000 }]])
    s = run(s, load('tmFiles:photos:C2', page2))
    expect(tmRows(s).map((r) => r.id)).toEqual(['a.txt', 'b.txt', 'c.txt'])
    // A file on the second page, its versions, and back: both pages, the cursor on it.
    s = run(s, { type: 'list/move', to: 'last' }, { type: 'tm/open' })
    expect(s.tm).toMatchObject({ key: 'c.txt', pages: ['C2'] })
    s = run(s, { type: 'back' })
    expect(s.tm).toMatchObject({ key: null, pages: ['C2'] })
    expect(selectedRow(listOf(s, 'tmFiles'), tmRows(s))?.id).toBe('c.txt')
    // Another view starts at its first page again.
    expect(run(s, { type: 'tm/deleted' }).tm.pages).toEqual([])
  })

  test('deleted files page the same way', async () => {
    const gone = (k: string) => ({ id: k, key: k, versions: 1, deletedAt: '2025-01-04T00:00:00.000Z' })
    let s = run(s0, { type: 'tm/deleted' }, load('tmDeleted:photos', { bucket: 'photos', files: [gone('x.txt')], hasMore: true, nextCursor: 'D2' }))
    s = run(s, { type: 'list/move', to: 'last' }, { type: 'tm/open' })
    const specs = tmResources(s)
    expect(specs.map((x) => x.key)).toEqual(['tmDeleted:photos', 'tmDeleted:photos:D2'])
    const asked: unknown[] = []
    await specs[1].load({ deletedFiles: async (...a: unknown[]) => { asked.push(a.slice(0, 2)); return null } } as never, new AbortController().signal)
    expect(asked).toEqual([['photos', { cursor: 'D2', limit: 1000 }]])
    s = run(s, load('tmDeleted:photos:D2', { bucket: 'photos', files: [gone('y.txt')], hasMore: false, nextCursor: null }))
    expect(tmRows(s).map((r) => r.id)).toEqual(['x.txt', 'y.txt'])
  })
})

describe('Webhooks', () => {
  const hook: Webhook = { id: 'wh_1', url: 'https://example.com/h', events: ['object.created'], active: true, consecutiveFailures: 0, disabledReason: null, createdAt: '', bucket: null, prefix: null, previousSecretExpiresAt: null }
  const s0 = run(initialState('webhooks'), load('webhooks', [hook]))

  test('new: URL, events ticked with space, optional bucket and prefix', () => {
    let s = run(s0, { type: 'webhooks/new' }, { type: 'dialog/field', step: 1 })
    // Untick both defaults: no event is an error in the form.
    s = run(s, { type: 'dialog/toggle' }, { type: 'dialog/cycle', step: 1 }, { type: 'dialog/cycle', step: 1 }, { type: 'dialog/toggle' }, { type: 'dialog/submit' })
    expect(s.dialog).toMatchObject({ kind: 'form', error: 'tick at least one event (space)' })
    s = run(s, { type: 'dialog/cycle', step: 1 }, { type: 'dialog/toggle' }, { type: 'dialog/field', step: 1 }, typeText('photos'), { type: 'dialog/submit' }, { type: 'dialog/submit' })
    expect(s.pending).toMatchObject({ op: 'createWebhook', body: { url: 'https://', events: ['bucket.created'], bucket: 'photos' } })
  })

  test('enter: the delivery log; R redelivers; t tests and then shows the log', () => {
    const d: Delivery = { id: 7, eventId: 3, event: 'object.created', kind: 'event', messageId: 'msg_3', status: 'failed', attempts: 4, lastStatus: 500, lastError: 'HTTP 500', responseStatus: 500, error: 'HTTP 500', requestHeaders: null, responseBody: 'boom', latencyMs: 12, createdAt: '', finishedAt: null, nextAttemptAt: null }
    let s = run(s0, { type: 'webhooks/open' }, load('deliveries:wh_1', [d]))
    expect(s.webhooks.id).toBe('wh_1')
    expect(selectedRow(listOf(s, 'deliveries'), [{ id: '7', text: '' }])?.id).toBe('7')
    expect(run(s, { type: 'webhooks/redeliver' }).pending).toMatchObject({ op: 'redeliver', id: 'wh_1', deliveryId: 7 })
    expect(run(s, { type: 'webhooks/open' }).dialog).toMatchObject({ kind: 'text', title: 'Delivery 7' })
    s = run(s, { type: 'back' })
    expect(s.webhooks.id).toBeNull()
    s = run(s, { type: 'webhooks/test' })
    expect(s.pending).toMatchObject({ op: 'testWebhook', id: 'wh_1' })
    s = done(s, { id: 8, status: 'delivered', lastStatus: 204 })
    expect(s.webhooks.id).toBe('wh_1')
    expect(s.notice?.text).toBe('test event sent to https://example.com/h: delivered (HTTP 204)')
  })

  test('e toggles at once; d deletes and a new secret replaces the old one with the host typed', () => {
    expect(run(s0, { type: 'webhooks/toggle' }).pending).toMatchObject({ op: 'updateWebhook', body: { id: 'wh_1', active: false } })
    expect(run(s0, { type: 'webhooks/delete' }).dialog).toMatchObject({ kind: 'typed', expect: 'example.com' })
    let s = run(s0, { type: 'webhooks/rotate' })
    expect(s.dialog).toMatchObject({ kind: 'typed', expect: 'example.com', title: 'New signing secret for example.com?' })
    expect(run(s, { type: 'dialog/confirm' }).pending).toBeNull()
    s = run(s, typeText('example.com'), { type: 'dialog/submit' })
    expect(s.pending).toMatchObject({ op: 'rotateWebhookSecret', id: 'wh_1' })
  })
})

describe('Shares', () => {
  const share = (id: string, over: Partial<Share> = {}): Share => ({
    id, url: `http://h/s/${id}`, token: id, bucket: 'photos', key: 'a.txt', versionId: null, prefix: false, expiresAt: null, maxDownloads: null,
    downloads: 0, hasPassword: false, createdAt: '2025-01-01T00:00:00.000Z', revokedAt: null, status: 'active', ...over,
  })
  const s0 = run(initialState('shares'), load('shares', [share('sh1')]))

  test('new: expiry, download limit, password; revoke asks; c copies the URL', () => {
    let s = run(s0, { type: 'shares/new', bucket: 'photos', key: 'a.txt' }, { type: 'dialog/field', step: 1 }, { type: 'dialog/field', step: 1 }, { type: 'dialog/cycle', step: 1 },
      { type: 'dialog/field', step: 1 }, typeText('3'), { type: 'dialog/field', step: 1 }, typeText('pw'), { type: 'dialog/submit' })
    expect(s.pending).toMatchObject({ op: 'createShare', body: { bucket: 'photos', key: 'a.txt', expiresIn: 30 * 86_400, maxDownloads: 3, password: 'pw' } })
    expect(run(s0, { type: 'shares/copy' }).clipboard).toMatchObject({ text: 'http://h/s/sh1' })
  })

  test('revoke cannot be undone: the file\'s name (a folder\'s, for a folder share) is typed', () => {
    let s = run(s0, { type: 'shares/revoke' })
    expect(s.dialog).toMatchObject({ kind: 'typed', expect: 'a.txt', title: 'Revoke the link to photos/a.txt?' })
    expect(run(s, { type: 'dialog/confirm' }).pending).toBeNull()
    s = run(s, typeText('a.txt'), { type: 'dialog/submit' })
    expect(s.pending).toMatchObject({ op: 'revokeShare', id: 'sh1' })
    const folder = run(initialState('shares'), load('shares', [share('sh2', { key: 'photos/2024/', prefix: true })]), { type: 'shares/revoke' })
    expect(folder.dialog).toMatchObject({ kind: 'typed', expect: '2024' })
  })
})
