import { Elysia } from 'elysia'
import type { Server } from 'bun'
import type { AppContext } from './app'
import { StartupError } from './app'
import { Logger } from './http/common/log'
import { createS3Handler } from './http/s3/handler'
import { createHttpApp } from './http/http-app'
import { VERSION } from './version'

export interface RunningServers {
  s3Port: number
  port: number
  stop(): Promise<void>
}

/** Bodies stream to disk and S3 allows 5 GiB single PUTs, so Bun's 128 MiB cap is lifted. */
const MAX_BODY = Number.MAX_SAFE_INTEGER
/** Seconds of silence before Bun drops a connection (its maximum; default 10 s is too short). */
const IDLE_TIMEOUT = 255

export const healthBody = () => JSON.stringify({ status: 'ok', version: VERSION })

function listen(app: Elysia<any, any, any, any, any, any, any>, hostname: string, port: number, what: string) {
  try {
    app.listen({ hostname, port, maxRequestBodySize: MAX_BODY, idleTimeout: IDLE_TIMEOUT })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why = code === 'EADDRINUSE' ? 'the port is already in use' : code === 'EACCES' ? 'permission denied' : (e as Error).message
    throw new StartupError(`cannot listen for ${what} on ${hostname}:${port}: ${why}`)
  }
  return app.server as Server<unknown>
}

/** One Elysia app per port sharing the AppContext; stop() drains in-flight requests. */
export async function startServers(ctx: AppContext, log: Logger): Promise<RunningServers> {
  const s3Handler = createS3Handler(ctx, log)
  const s3App = new Elysia({ name: 's3' })
    .all('/', ({ request, server }) => s3Handler(request, server), { parse: 'none' })
    .all('/*', ({ request, server }) => s3Handler(request, server), { parse: 'none' })
  const httpApp = createHttpApp(ctx, log)

  const s3Server = listen(s3App, ctx.config.host, ctx.config.s3Port, 'the S3 endpoint')
  let httpServer: Server<unknown>
  try {
    httpServer = listen(httpApp, ctx.config.host, ctx.config.port, 'the HTTP API')
  } catch (e) {
    s3Server.stop(true)
    throw e
  }

  return {
    s3Port: s3Server.port!,
    port: httpServer.port!,
    async stop() {
      // Stop accepting, let in-flight requests finish (bounded), then force-close.
      const graceful = Promise.all([s3Server.stop(false), httpServer.stop(false)])
      const timeout = new Promise((r) => setTimeout(r, 10_000).unref?.())
      await Promise.race([graceful, timeout])
      await Promise.all([s3Server.stop(true), httpServer.stop(true)])
    },
  }
}
