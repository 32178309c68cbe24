import { test } from 'bun:test'

const cache = new Map<string, boolean>()

/** Is an external command on PATH (and runnable)? */
export function hasTool(cmd: string, probe: string[] = ['--version']): boolean {
  const key = [cmd, ...probe].join(' ')
  if (!cache.has(key)) {
    try {
      const r = Bun.spawnSync([cmd, ...probe], { stdout: 'ignore', stderr: 'ignore' })
      cache.set(key, r.exitCode === 0)
    } catch {
      cache.set(key, false)
    }
  }
  return cache.get(key)!
}

/** python3 with boto3 importable. */
export const hasBoto3 = () => hasTool('python3', ['-c', 'import boto3'])

/**
 * A test that needs an external tool: skipped visibly (with the reason in its name) when the
 * tool is absent, so `npm test` passes on a bare machine while CI, which installs the tools,
 * runs everything.
 */
export function testWithTool(tool: string, available: boolean, name: string, fn: () => Promise<void> | void, timeout?: number) {
  if (available) test(name, fn, timeout)
  else test.skip(`${name} [skipped: ${tool} not installed]`, fn)
}
