#!/usr/bin/env bun
/**
 * `npm run build [-- --target linux-x64|linux-arm64] [--outfile PATH]`
 *
 * Compiles src/main.ts with `Bun.build({ compile })` into one executable that needs no Node, Bun
 * or node_modules on the machine it runs on:
 * - migrations and the Ink TUI are ordinary imports, so they are in the bundle;
 * - sharp is a native addon plus libvips, which must be real files for dlopen. They travel as a
 *   tar.gz of a minimal node_modules tree (sharp's JS, its JS dependencies, the target's
 *   `@img/sharp-<platform>` and `@img/sharp-libvips-<platform>`) embedded as a file asset;
 *   src/image/sharp-loader.ts extracts it once into `<data>/runtime/` and imports sharp there.
 *
 * - the web dashboard (src/dashboard/ui) is bundled first and its files replace
 *   src/dashboard/embedded.ts, so the executable serves them from memory.
 *
 * Cross builds take the target's native packages and Bun runtime from the npm registry
 * (`npm pack`, checked against package-lock.json's integrity) into .build-cache/, so nothing
 * target-specific is added to package.json.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import type { BunPlugin } from 'bun'
import { buildDashboard } from './src/dashboard/bundle'
import type { DashboardBuild } from './src/dashboard/assets-types'

const ROOT = import.meta.dir
const CACHE = join(ROOT, '.build-cache')

type Platform = 'linux-x64' | 'linux-arm64'
const TARGETS: Record<Platform, { bunTarget: Bun.Build.CompileTarget; bunPackage: string; outfile: string }> = {
  'linux-x64': { bunTarget: 'bun-linux-x64', bunPackage: '@oven/bun-linux-x64', outfile: 'dist/cloudstorage' },
  'linux-arm64': { bunTarget: 'bun-linux-arm64', bunPackage: '@oven/bun-linux-aarch64', outfile: 'dist/cloudstorage-linux-arm64' },
}
const HOST = `${process.platform}-${process.arch}`

const USAGE = `usage: bun build.ts [--target linux-x64|linux-arm64] [--outfile PATH]
  --target   platform of the executable (default linux-x64: dist/cloudstorage;
             linux-arm64: dist/cloudstorage-linux-arm64)
  --outfile  where to write it instead`

class BuildError extends Error {}

function parseArgs(argv: string[]): { platform: Platform; outfile: string } {
  let platform: Platform = 'linux-x64'
  let outfile: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2)
    const value = () => inline ?? argv[++i] ?? fail(`${flag} needs a value`)
    if (flag === '--target') {
      const t = value().replace(/^bun-/, '').replace('aarch64', 'arm64')
      if (!(t in TARGETS)) fail(`unknown target '${t}' (supported: ${Object.keys(TARGETS).join(', ')})`)
      platform = t as Platform
    } else if (flag === '--outfile') outfile = resolve(value())
    else if (flag === '--help' || flag === '-h') { console.log(USAGE); process.exit(0) }
    else fail(`unknown argument '${argv[i]}'`)
  }
  return { platform, outfile: outfile ?? join(ROOT, TARGETS[platform].outfile) }
}

function fail(message: string): never {
  throw new BuildError(message)
}

// ---------------------------------------------------------------------------------------------
// npm packages: from node_modules when they are the locked version, else from the registry.

interface Lock { packages: Record<string, { version: string; integrity?: string }> }
const lock: Lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'))

function lockedVersion(name: string): { version: string; integrity?: string } {
  const entry = lock.packages[`node_modules/${name}`]
  if (!entry) fail(`${name} is not in package-lock.json; run npm install`)
  return entry
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'))

/** `npm pack` into .build-cache/npm, verified against `integrity` when known, then unpacked. */
async function fetchPackage(name: string, version: string, integrity: string | undefined): Promise<string> {
  const dir = join(CACHE, 'npm', `${name.replace('/', '+')}-${version}`)
  if (existsSync(join(dir, '.complete'))) return join(dir, 'package')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  console.log(`fetching ${name}@${version} from the npm registry`)
  const packed = Bun.spawnSync(['npm', 'pack', `${name}@${version}`, '--json', '--pack-destination', dir], { stdout: 'pipe', stderr: 'pipe' })
  if (packed.exitCode !== 0) fail(`npm pack ${name}@${version} failed: ${packed.stderr.toString().trim()}`)
  const [{ filename }] = JSON.parse(packed.stdout.toString()) as Array<{ filename: string }>
  const tarball = readFileSync(join(dir, filename))
  if (integrity) {
    const [algo, expected] = integrity.split(/-(.*)/s, 2)
    const actual = createHash(algo).update(tarball).digest('base64')
    if (actual !== expected) fail(`${name}@${version}: tarball integrity ${algo}-${actual} does not match package-lock.json (${integrity})`)
  }
  await new Bun.Archive(tarball).extract(dir)
  rmSync(join(dir, filename))
  writeFileSync(join(dir, '.complete'), `${name}@${version}\n`)
  return join(dir, 'package')
}

/** Directory of an installed package as Node would find it from `fromDir`. */
function findInstalled(name: string, fromDir: string): string | null {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return candidate
    if (dir === ROOT || dirname(dir) === dir) return null
  }
}

async function packageDir(name: string, version: string, integrity?: string): Promise<string> {
  const installed = findInstalled(name, ROOT)
  if (installed && readJson(join(installed, 'package.json')).version === version) return installed
  return fetchPackage(name, version, integrity)
}

// ---------------------------------------------------------------------------------------------
// The sharp runtime tree.

/** Files a running sharp never reads: types, docs, C++ sources, headers, build scripts. */
const SKIP = /(\.d\.[cm]?ts|\.map|\.md|\.h|\.hpp|\.cc|\.gyp)$|(^|\/)(src|install|include|docs?|test)\//

function listFiles(dir: string, base = dir): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') out.push(...listFiles(path, base))
    } else if (entry.isFile() && !SKIP.test(relative(base, path))) out.push(path)
  }
  return out
}

interface RuntimeTree { version: string; files: Map<string, Uint8Array> }

/**
 * sharp and the closure of its JS dependencies keep the layout they have under node_modules, so
 * Node-style resolution inside the extracted tree finds the same files it finds in development;
 * the two platform packages sit at node_modules/@img/, where the addon's rpath looks for libvips.
 */
async function sharpRuntimeTree(platform: Platform): Promise<RuntimeTree> {
  const sharpDir = findInstalled('sharp', ROOT) ?? fail('sharp is not installed; run npm install')
  const sharpPkg = readJson(join(sharpDir, 'package.json'))
  const files = new Map<string, Uint8Array>()
  const addPackage = (dir: string, at: string) => {
    for (const file of listFiles(dir)) files.set(join(at, relative(dir, file)), readFileSync(file))
  }

  const seen = new Set<string>()
  const walk = (dir: string) => {
    if (seen.has(dir)) return
    seen.add(dir)
    addPackage(dir, relative(ROOT, dir))
    for (const dep of Object.keys(readJson(join(dir, 'package.json')).dependencies ?? {})) {
      walk(findInstalled(dep, dir) ?? fail(`${dep} (a dependency of ${relative(ROOT, dir)}) is not installed`))
    }
  }
  walk(sharpDir)

  const addonName = `@img/sharp-${platform}`
  const libvipsName = `@img/sharp-libvips-${platform}`
  const addonVersion = sharpPkg.optionalDependencies?.[addonName] ?? fail(`sharp ${sharpPkg.version} has no prebuilt package for ${platform}`)
  const libvipsVersion = sharpPkg.optionalDependencies?.[libvipsName] ?? fail(`sharp ${sharpPkg.version} names no ${libvipsName}`)
  for (const [name, version] of [[addonName, addonVersion], [libvipsName, libvipsVersion]]) {
    const locked = lock.packages[`node_modules/${name}`]
    const integrity = locked?.version === version ? locked.integrity : undefined
    addPackage(await packageDir(name, version, integrity), join('node_modules', name))
  }
  const natives = [...files.keys()].filter((f) => f.startsWith(`node_modules/${addonName}/`) && f.endsWith('.node'))
  if (natives.length !== 1) fail(`expected one .node file in ${addonName}, found ${natives.length}`)
  if (![...files.keys()].some((f) => f.startsWith(`node_modules/${libvipsName}/lib/libvips-cpp.so`))) fail(`${libvipsName} has no libvips-cpp.so`)
  return { version: sharpPkg.version, files }
}

/** Writes the tree's tar.gz; its key hashes paths and contents, not tar metadata, so it is stable. */
async function writeRuntimeArchive(platform: Platform, tree: RuntimeTree) {
  const paths = [...tree.files.keys()].sort()
  const hash = createHash('sha256')
  for (const p of paths) hash.update(`${p}\0${tree.files.get(p)!.length}\0`).update(tree.files.get(p)!)
  const key = hash.digest('hex').slice(0, 16)
  const archive = join(CACHE, 'generated', `sharp-${tree.version}-${platform}-${key}.tar.gz`)
  if (!existsSync(archive)) {
    mkdirSync(dirname(archive), { recursive: true })
    const tmp = `${archive}.${process.pid}.tmp`
    await Bun.Archive.write(tmp, Object.fromEntries(paths.map((p) => [p, tree.files.get(p)!])), { compress: 'gzip', level: 9 })
    renameSync(tmp, archive) // atomic: a concurrent build never embeds a half-written archive
  }
  return { key, archive, files: paths.map((path) => ({ path, size: tree.files.get(path)!.length })) }
}

// ---------------------------------------------------------------------------------------------
// Bundling.

const SHARP_EMBEDDED = join(ROOT, 'src/image/sharp-embedded.ts')
const SHARP_LOADER = join(ROOT, 'src/image/sharp-loader.ts')

function sharpPlugin(embedded: { version: string; platform: Platform; key: string; archive: string; files: Array<{ path: string; size: number }> }): BunPlugin {
  return {
    name: 'cloudstorage-sharp',
    setup(build) {
      // Swap the source tree's "nothing embedded" module for the real manifest and archive.
      build.onLoad({ filter: /src[\\/]image[\\/]sharp-embedded\.ts$/ }, (args) => {
        if (args.path !== SHARP_EMBEDDED) return undefined
        const { archive, ...meta } = embedded
        return {
          loader: 'ts',
          contents: [
            `import archive from ${JSON.stringify(archive)} with { type: 'file' }`,
            `const meta = ${JSON.stringify(meta)}`,
            `export function embeddedSharp() { return { ...meta, archive } }`,
          ].join('\n'),
        }
      })
      // sharp is loaded from the extracted tree at run time, never from the bundle. A static
      // import anywhere else would run before extraction and crash the binary at startup.
      build.onResolve({ filter: /^sharp(\/.*)?$/ }, (args) => {
        if (args.importer !== SHARP_LOADER) {
          fail(`${relative(ROOT, args.importer)} imports '${args.path}': only src/image/sharp-loader.ts may load sharp (use loadImageTransformer)`)
        }
        return { path: args.path, external: true }
      })
    },
  }
}

/**
 * Ink loads its devtools bridge (which needs react-devtools-core, not a dependency) only when
 * DEV=true, with `await import()` in a try/catch that reports ERR_MODULE_NOT_FOUND as a warning.
 * Bundled, that import cannot stay external: the bundle would import the package at startup. The
 * bridge becomes a module that fails the way a missing package does, so Ink keeps its behaviour.
 */
const inkDevtoolsPlugin: BunPlugin = {
  name: 'cloudstorage-ink-devtools',
  setup(build) {
    build.onLoad({ filter: /node_modules[\\/]ink[\\/]build[\\/]devtools\.js$/ }, () => ({
      loader: 'js',
      contents: `throw Object.assign(new Error("react-devtools-core is not part of the cloudstorage binary"), { code: "ERR_MODULE_NOT_FOUND" })`,
    }))
  },
}

const DASHBOARD_EMBEDDED = join(ROOT, 'src/dashboard/embedded.ts')

/** The web dashboard, built now, becomes part of the executable (no files beside it, no build at run time). */
function dashboardPlugin(dashboard: DashboardBuild): BunPlugin {
  return {
    name: 'cloudstorage-dashboard',
    setup(build) {
      build.onLoad({ filter: /src[\\/]dashboard[\\/]embedded\.ts$/ }, (args) => {
        if (args.path !== DASHBOARD_EMBEDDED) return undefined
        return { loader: 'ts', contents: `const built = ${JSON.stringify(dashboard)}\nexport function embeddedDashboard() { return built }\n` }
      })
    },
  }
}

async function bunRuntimeFor(platform: Platform): Promise<string | undefined> {
  if (platform === HOST) return undefined // the running Bun is the runtime
  // Same Bun version as the bundler, from npm, checked against the lockfile when it is locked.
  const name = TARGETS[platform].bunPackage
  const locked = lock.packages[`node_modules/${name}`]
  const dir = await fetchPackage(name, Bun.version, locked?.version === Bun.version ? locked.integrity : undefined)
  const bin = join(dir, 'bin', 'bun')
  if (!existsSync(bin)) fail(`${name}@${Bun.version} has no bin/bun`)
  return bin
}

function formatLog(log: unknown): string {
  const l = log as { message?: string; position?: { file?: string; line?: number; column?: number } | null }
  const at = l?.position?.file ? `${relative(ROOT, l.position.file)}:${l.position.line}:${l.position.column}: ` : ''
  return `${at}${l?.message ?? String(log)}`
}

async function main() {
  const started = performance.now()
  const { platform, outfile } = parseArgs(process.argv.slice(2))
  const lockedBun = lockedVersion('bun').version
  if (lockedBun !== Bun.version) console.warn(`warning: building with Bun ${Bun.version}, package-lock.json pins ${lockedBun}`)

  const tree = await sharpRuntimeTree(platform)
  const runtime = await writeRuntimeArchive(platform, tree)
  const executablePath = await bunRuntimeFor(platform)
  const dashboard = await buildDashboard()

  mkdirSync(dirname(outfile), { recursive: true })
  const result = await Bun.build({
    entrypoints: [join(ROOT, 'src/main.ts')],
    compile: {
      target: TARGETS[platform].bunTarget,
      outfile,
      ...(executablePath ? { executablePath } : {}),
      // An appliance's behaviour must not depend on the directory it is started from: no .env
      // and no bunfig.toml (whose `preload` would run arbitrary code) from the working dir.
      autoloadDotenv: false,
      autoloadBunfig: false,
      // Without it the standalone resolver reads no package.json at all, so sharp's extracted
      // tree could not resolve its own `exports`/`main` (`import 'detect-libc'`, the addon).
      autoloadPackageJson: true,
    },
    minify: true,
    sourcemap: 'linked',
    // React and other libraries pick their production builds from this.
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [sharpPlugin({ version: tree.version, platform, ...runtime }), inkDevtoolsPlugin, dashboardPlugin(dashboard)],
  }).catch((e: unknown) => {
    const logs = (e as AggregateError)?.errors
    fail(Array.isArray(logs) ? logs.map(formatLog).join('\n') : String((e as Error)?.message ?? e))
  })
  if (!result.success) fail(result.logs.map(formatLog).join('\n'))
  // The sourcemap is embedded in the executable (stack traces use it); the copy Bun also writes
  // beside it would only suggest that the binary needs a second file.
  rmSync(`${outfile}.map`, { force: true })

  const size = statSync(outfile).size
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  console.log(`built ${relative(process.cwd(), outfile) || outfile} (${platform}, ${(size / 2 ** 20).toFixed(1)} MiB, sharp ${tree.version} runtime ${runtime.key}) in ${seconds}s`)
}

main().catch((e) => {
  console.error(`build failed: ${e instanceof BuildError ? e.message : (e as Error)?.stack ?? e}`)
  process.exit(1)
})
