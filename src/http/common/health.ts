import { VERSION } from '../../version'

/** The body of a 200 from /healthz on either port. */
export const healthBody = () => JSON.stringify({ status: 'ok', version: VERSION })

export const healthResponse = () => new Response(healthBody(), { headers: { 'content-type': 'application/json' } })
