/**
 * `cloudstorage tui --login`: asks for the email and password on the terminal (the password
 * unechoed) before the UI starts, and logs in through the HTTP API for a session cookie and its
 * CSRF token.
 */

/** Reads one line from the terminal; `hidden` echoes nothing (a password). Ctrl+C → null. */
export function prompt(question: string, hidden: boolean): Promise<string | null> {
  const { stdin, stdout } = process
  stdout.write(question)
  return new Promise((resolve) => {
    let text = ''
    stdin.setRawMode(true)
    stdin.resume()
    stdin.setEncoding('utf8')
    const done = (value: string | null) => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      stdout.write('\n')
      resolve(value)
    }
    const onData = (chunk: string) => {
      for (const c of chunk) {
        if (c === '\r' || c === '\n') return done(text)
        if (c === '\u0003' || c === '\u0004') return done(null)
        if (c === '\u007f' || c === '\b') {
          if (text) {
            text = [...text].slice(0, -1).join('')
            if (!hidden) stdout.write('\b \b')
          }
          continue
        }
        if (c < ' ') continue
        text += c
        if (!hidden) stdout.write(c)
      }
    }
    stdin.on('data', onData)
  })
}

export interface Session { cookie: string; csrfToken: string; email: string }

/** POST /api/auth/login; the server's words on failure. */
export async function login(baseUrl: string, email: string, password: string): Promise<Session | { error: string }> {
  let res: Response
  try {
    res = await fetch(`${baseUrl}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ email, password }), redirect: 'error', signal: AbortSignal.timeout(30_000),
    })
  } catch (e) {
    return { error: `cannot reach ${baseUrl}: ${(e as Error).message}` }
  }
  const body = await res.json().catch(() => null) as { csrfToken?: string; error?: { message?: string } } | null
  const cookie = /^session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0]
  if (!res.ok || !cookie || !body?.csrfToken) return { error: body?.error?.message ?? `${baseUrl} answered ${res.status}` }
  return { cookie, csrfToken: body.csrfToken, email }
}

/** Up to three tries; null when the user gives up (Ctrl+C) or every try failed. */
export async function interactiveLogin(baseUrl: string, email?: string): Promise<Session | null> {
  const { stdout } = process
  stdout.write(`Log in to ${baseUrl}\n`)
  for (let attempt = 0; attempt < 3; attempt++) {
    const who = email ?? (await prompt('Email: ', false))
    if (who === null) return null
    const password = await prompt('Password: ', true)
    if (password === null) return null
    const r = await login(baseUrl, who.trim(), password)
    if ('cookie' in r) return r
    stdout.write(`✖ ${r.error}\n`)
  }
  return null
}
