import type { AppError } from '../../errors/app-error'

/**
 * The small HTML pages of share links: errors, the password form, a prefix share's listing. No
 * script; every name is escaped; the pages' CSP allows nothing but their inline style, images
 * from the appliance and a form posting back to it.
 */

export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')

export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

const STYLE = 'body{font-family:system-ui,sans-serif;max-width:48rem;margin:3rem auto;padding:0 1rem;color:#222;line-height:1.45}'
  + 'h1{font-size:1.3rem;word-break:break-all}table{border-collapse:collapse;width:100%}td{padding:.3rem .5rem;border-bottom:1px solid #eee}'
  + 'td.n{text-align:right;white-space:nowrap;color:#555}a{color:#0b57d0;text-decoration:none}a:hover{text-decoration:underline}'
  + 'input{font:inherit;padding:.3rem}button{font:inherit;padding:.3rem .8rem}.err{color:#b00020}small{color:#666}'

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`
    + `<meta name="robots" content="noindex,nofollow"><meta name="referrer" content="no-referrer"><title>${esc(title)}</title><style>${STYLE}</style></head>`
    + `<body>${body}<p><small>Shared with CloudStorage</small></p></body></html>`
}

/** An HTML answer (HEAD: the same headers, no body). */
export function htmlResponse(status: number, html: string, method: string, headers: Record<string, string> = {}): Response {
  const bytes = Buffer.byteLength(html)
  return new Response(method === 'HEAD' ? null : html, {
    status,
    headers: { ...headers, 'content-type': 'text/html; charset=utf-8', 'content-length': String(bytes), 'content-security-policy': PAGE_CSP, 'cache-control': 'no-store' },
  })
}

const TITLES: Record<number, string> = { 400: 'Bad request', 403: 'Not available', 404: 'Link not found', 405: 'Not allowed', 410: 'Link no longer available', 412: 'Precondition failed', 413: 'Too large', 416: 'Range not satisfiable', 429: 'Too many requests' }

/** An error as a small page: the status, a title and the error's message (never a stack or path). */
export function errorPage(err: AppError, method: string): Response {
  const title = TITLES[err.status] ?? (err.status >= 500 ? 'Something went wrong' : 'Error')
  const html = page(title, `<h1>${esc(title)}</h1><p>${esc(err.message)}</p>`)
  return htmlResponse(err.status, html, method, err.headers ?? {})
}

/** The password form; it posts back to /s/{token} and returns to `next`. */
export function passwordPage(token: string, next: string, message: string | null): string {
  return page('Password required', `<h1>This link is protected by a password</h1>`
    + (message ? `<p class="err" role="alert">${esc(message)}</p>` : '')
    + `<form method="post" action="/s/${esc(token)}"><input type="hidden" name="next" value="${esc(next)}">`
    + `<p><label>Password <input type="password" name="password" autocomplete="current-password" required autofocus></label> <button type="submit">Open</button></p></form>`)
}

/** A path of a prefix share as a URL path: every segment percent-encoded. */
export const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/')

function size(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++ }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`
}

export interface Listing {
  folders: string[]
  files: Array<{ name: string; size: number; lastModified: number }>
  next: string | null
}

/** A prefix share's folder: its subfolders, then its files, each a link under /s/{token}/. */
export function listingPage(token: string, shareName: string, path: string, l: Listing): string {
  const base = `/s/${token}/`
  const href = (p: string) => esc(base + encodePath(p))
  const title = path ? `${shareName}${path}` : shareName
  const rows: string[] = []
  if (path) {
    const parent = path.slice(0, path.slice(0, -1).lastIndexOf('/') + 1)
    rows.push(`<tr><td><a href="${href(parent)}">../</a></td><td class="n"></td><td class="n"></td></tr>`)
  }
  for (const f of l.folders) rows.push(`<tr><td><a href="${href(path + f)}">${esc(f)}</a></td><td class="n">folder</td><td class="n"></td></tr>`)
  for (const f of l.files) {
    rows.push(`<tr><td><a href="${href(path + f.name)}">${esc(f.name)}</a></td><td class="n">${size(f.size)}</td><td class="n">${new Date(f.lastModified).toISOString().slice(0, 16).replace('T', ' ')}</td></tr>`)
  }
  const empty = rows.length === 0 ? '<p>This folder is empty.</p>' : ''
  const more = l.next ? `<p><a href="${href(path)}?after=${esc(encodeURIComponent(l.next))}">Next page</a></p>` : ''
  return page(title, `<h1>${esc(title)}</h1>${empty}${rows.length ? `<table>${rows.join('')}</table>` : ''}${more}`)
}
