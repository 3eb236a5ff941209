// Preloaded with `node --import` (see `start_network(preloads=...)`) so that a test can serve an
// https OAuth client's metadata from a loopback server: the PDS fetches `client_id` URLs with
// `globalThis.fetch` (behind its SSRF guard, which refuses http, IPs and local TLDs), and this
// wrapper sends requests for chosen https origins to a loopback base URL instead.
//
// The routes live in the JSON file named by SKYKIT_REROUTE_FILE, {"https://host": "http://127.0.0.1:PORT"},
// read on every fetch so a test can change them while the network runs. Only loopback targets
// are accepted, and only the origins listed are touched; the PDS's own validation of the fetched
// documents (status, content type, schema, client rules) still runs on the answers.
import fs from 'node:fs'

const FILE = process.env.SKYKIT_REROUTE_FILE
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])
const original = globalThis.fetch

function routes() {
  if (!FILE) return {}
  try {
    const parsed = JSON.parse(fs.readFileSync(FILE, 'utf8'))
    return parsed !== null && typeof parsed === 'object' ? parsed : {}
  } catch {
    return {}
  }
}

function target(url) {
  const base = routes()[url.origin]
  if (typeof base !== 'string') return null
  const to = new URL(base)
  if (to.protocol !== 'http:' || !LOOPBACK.has(to.hostname)) return null
  return new URL(url.pathname + url.search, to)
}

globalThis.fetch = async function fetch(input, init) {
  const request = input instanceof Request ? input : null
  const url = new URL(request ? request.url : String(input))
  const rerouted = target(url)
  if (rerouted === null) return original.call(this, input, init)
  // The SSRF guard's dispatcher would refuse a loopback address: leave it out for this hop.
  const { dispatcher: _guard, ...rest } = init ?? {}
  const options = request
    ? { method: request.method, headers: request.headers, redirect: request.redirect, signal: request.signal, ...rest }
    : rest
  process.stderr.write(`[reroute_fetch] ${url.href} -> ${rerouted.href}\n`)
  return original.call(this, rerouted, options)
}
