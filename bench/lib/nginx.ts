import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Subprocess } from 'bun'
import { benchTempDir } from './cloudstorage'
import { freePort, which } from './sys'

export const NGINX_HINT = 'nginx not found: install it with `apt-get install -y nginx` (Debian package); the nginx reference is skipped'

export interface Nginx {
  url: string
  root: string
  pid: number
  stop(): Promise<void>
}

/**
 * Starts nginx in the foreground with a throwaway prefix and config: no root daemon, no system
 * config. Settings follow Debian's packaged nginx.conf (worker_processes auto, sendfile,
 * tcp_nopush, an access log written to a file), so the reference is nginx as shipped.
 */
export async function startNginx(root: string): Promise<Nginx> {
  const bin = which('nginx')
  if (!bin) throw new Error(NGINX_HINT)
  const prefix = benchTempDir('cs-bench-nginx-')
  mkdirSync(join(prefix, 'logs'))
  const port = freePort()
  const conf = join(prefix, 'nginx.conf')
  const asRoot = process.getuid?.() === 0
  writeFileSync(conf, `
${asRoot ? 'user root root;' : ''}
worker_processes auto;
daemon off;
master_process on;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 4096; }
http {
  sendfile on;
  tcp_nopush on;
  types_hash_max_size 2048;
  default_type application/octet-stream;
  access_log ${prefix}/logs/access.log;
  keepalive_requests 1000000;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { }
  }
}
`)
  const proc: Subprocess = Bun.spawn([bin, '-p', prefix, '-c', conf], { stdout: 'ignore', stderr: 'pipe' })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 10_000
  for (;;) {
    if (proc.exitCode !== null) {
      const err = await new Response(proc.stderr as ReadableStream).text()
      let log = ''
      try { log = readFileSync(join(prefix, 'logs/error.log'), 'utf8') } catch { /* none */ }
      rmSync(prefix, { recursive: true, force: true })
      throw new Error(`nginx exited with ${proc.exitCode}: ${err}${log}`)
    }
    try {
      const r = await fetch(`${url}/__nginx_probe__`)
      await r.arrayBuffer()
      break
    } catch {
      if (Date.now() > deadline) { proc.kill(); throw new Error('nginx did not start within 10 s') }
      await Bun.sleep(50)
    }
  }
  return {
    url, root, pid: proc.pid,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGQUIT') // graceful: the master stops its workers
      const killer = setTimeout(() => proc.exitCode === null && proc.kill('SIGKILL'), 10_000)
      await proc.exited
      clearTimeout(killer)
      rmSync(prefix, { recursive: true, force: true })
    },
  }
}
