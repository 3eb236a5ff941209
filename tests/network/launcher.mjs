// Starts a reference AT Protocol network for skykit's tests, on 127.0.0.1 only (run it with
// `node --import ./loopback.mjs`): PLC + PDS (`--kind pds`), or the full network (`--kind full`)
// that adds the AppView, Ozone and bsync on a throwaway Postgres cluster owned by this process.
//
//   node --import ./loopback.mjs launcher.mjs --modules DIR --kind pds|full --run-dir DIR
//        [--port-base N] [--pg-bin DIR]
//
// Protocol: stdout carries only lines `SKYKIT-NETWORK <json>`: one {"event":"ready",...} when the
// network is up (or {"event":"error",...}, then exit 1), then one {"event":"reply","id":...} per
// command. stdin takes one JSON command per line: {"id":1,"cmd":"processAll","timeoutMs":10000},
// {"id":2,"cmd":"ping"}, {"cmd":"stop"}. Everything else (logs) goes to stderr.
//
// Lifetime: the process closes the network, stops Postgres, removes --run-dir and exits when stdin
// ends (so a killed parent never leaves servers behind), on SIGTERM/SIGINT/SIGHUP, or on "stop".
// A shutdown that takes longer than SHUTDOWN_LIMIT_MS is forced.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import net from 'node:net'
import path from 'node:path'
import readline from 'node:readline'
import { pathToFileURL } from 'node:url'
import { startCluster } from './postgres.mjs'

const PREFIX = 'SKYKIT-NETWORK '
const SHUTDOWN_LIMIT_MS = 30_000
const DEFAULT_PROCESS_ALL_MS = 30_000
const startedAt = Date.now()

const options = parseArgs(process.argv.slice(2))
const runDir = path.resolve(options['run-dir'])
const kind = options.kind
if (!['pds', 'full'].includes(kind)) fail(`--kind must be pds or full, not ${kind}`)

// stdout is the protocol channel: route stray console output to stderr.
console.log = console.error
console.info = console.error
// A parent that died makes stdout a broken pipe; that also means: shut down.
process.stdout.on('error', () => shutdown('stdout closed'))

let network = null
let cluster = null
let shuttingDown = null
let starting = Promise.resolve()

function parseArgs(argv) {
  const parsed = {}
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) fail(`bad argument ${argv[i]}`)
    parsed[argv[i].slice(2)] = argv[i + 1]
  }
  return parsed
}

function log(message) {
  process.stderr.write(`[launcher ${process.pid}] ${message}\n`)
}

function send(message) {
  if (!process.stdout.destroyed) process.stdout.write(PREFIX + JSON.stringify(message) + '\n')
}

function fail(message) {
  process.stderr.write(`launcher: ${message}\n`)
  process.exit(2)
}

function removeRunDir() {
  try {
    fs.rmSync(runDir, { recursive: true, force: true })
  } catch (err) {
    log(`could not remove ${runDir}: ${err}`)
  }
}

// Last resort on any exit path: no Postgres and no run folder may outlive this process.
process.on('exit', () => {
  if (cluster && !cluster.exited) {
    try {
      process.kill(cluster.pid, 'SIGQUIT')
    } catch {}
  }
  removeRunDir()
})

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function loadDevEnv() {
  const require = createRequire(path.join(path.resolve(options.modules), 'package.json'))
  return import(pathToFileURL(require.resolve('@atproto/dev-env')).href)
}

async function start() {
  fs.mkdirSync(runDir, { recursive: true })
  fs.writeFileSync(path.join(runDir, 'launcher.pid'), String(process.pid))
  const devEnv = await loadDevEnv()
  const base = Number(options['port-base'] ?? 0)
  // `{port: undefined}` would override dev-env's chosen port with the servers' defaults: omit it.
  const port = (offset) => (base > 0 ? { port: base + offset } : {})

  if (kind === 'pds') {
    network = await devEnv.TestNetworkNoAppView.create({
      plc: port(0),
      // No AppView or moderation service here: point the PDS's proxying at a closed loopback
      // port (instead of dev-env's `.invalid` hosts) so app.bsky.* fails without any DNS query.
      pds: {
        ...port(1),
        bskyAppViewUrl: 'http://127.0.0.1:1',
        modServiceUrl: 'http://127.0.0.1:1',
      },
    })
  } else {
    const pgPort = port(3).port ?? (await freePort())
    const logFd = fs.openSync(path.join(runDir, 'postgres.log'), 'a')
    cluster = await startCluster({
      binDir: options['pg-bin'],
      dir: path.join(runDir, 'pg'),
      port: pgPort,
      logFd,
    })
    cluster.onExit((status) => {
      if (!shuttingDown) {
        log(`Postgres exited unexpectedly (${JSON.stringify(status)})`)
        shutdown('Postgres exited', 1)
      }
    })
    // dev-env asserts REDIS_HOST is set but nothing connects to it; keep even that on loopback.
    process.env.REDIS_HOST ??= '127.0.0.1:1'
    network = await devEnv.TestNetwork.create({
      dbPostgresUrl: cluster.url,
      dbPostgresSchema: 'skykit',
      plc: port(0),
      pds: port(1),
      bsky: port(2),
      ozone: port(5),
    })
  }

  const service = (server, did) => (server ? { url: server.url, port: server.port, did } : null)
  return {
    event: 'ready',
    kind,
    pid: process.pid,
    plc: service(network.plc, null),
    pds: service(network.pds, network.pds.ctx.cfg.service.did),
    appview: service(network.bsky, network.bsky?.ctx.cfg.serverDid),
    ozone: service(network.ozone, network.ozone?.ctx.cfg.service.did),
    postgres: cluster ? { url: cluster.url, pid: cluster.pid } : null,
    admin: { username: 'admin', password: devEnv.ADMIN_PASSWORD },
    startupMs: Date.now() - startedAt,
  }
}

function withTimeout(promise, ms, what) {
  let timer
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)
  })
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer))
}

async function handle(command) {
  switch (command.cmd) {
    case 'ping':
      return 'pong'
    case 'processAll': {
      const ms = Number(command.timeoutMs ?? DEFAULT_PROCESS_ALL_MS)
      await withTimeout(network.processAll(ms), ms, 'processAll')
      return null
    }
    case 'stop':
      shutdown('stop command')
      return null
    default:
      throw new Error(`unknown command ${JSON.stringify(command.cmd)}`)
  }
}

function shutdown(reason, code = 0) {
  if (shuttingDown) return shuttingDown
  log(`shutting down: ${reason}`)
  setTimeout(() => {
    log(`shutdown took longer than ${SHUTDOWN_LIMIT_MS} ms; forcing exit`)
    process.exit(1)
  }, SHUTDOWN_LIMIT_MS)
  shuttingDown = (async () => {
    await starting.catch(() => {})
    try {
      if (network) await network.close()
    } catch (err) {
      log(`closing the network failed: ${err?.stack ?? err}`)
      code ||= 1
    }
    try {
      if (cluster) await cluster.stop()
    } catch (err) {
      log(`stopping Postgres failed: ${err?.stack ?? err}`)
      code ||= 1
    }
    process.exit(code)
  })()
  return shuttingDown
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => shutdown(signal))
process.on('uncaughtException', (err) => {
  log(`uncaught exception: ${err?.stack ?? err}`)
  shutdown('uncaught exception', 1)
})
process.on('unhandledRejection', (err) => log(`unhandled rejection: ${err?.stack ?? err}`))

// Commands run one at a time, in order; stdin's end is the parent's end.
let queue = Promise.resolve()
const lines = readline.createInterface({ input: process.stdin })
lines.on('close', () => shutdown('stdin closed'))
lines.on('line', (line) => {
  if (!line.trim()) return
  queue = queue.then(async () => {
    let command = {}
    const begin = Date.now()
    try {
      command = JSON.parse(line)
      await starting
      const result = await handle(command)
      send({ event: 'reply', id: command.id ?? null, ok: true, result, ms: Date.now() - begin })
    } catch (err) {
      send({ event: 'reply', id: command.id ?? null, ok: false, error: String(err?.stack ?? err) })
    }
  })
})

starting = start()
starting.then(
  (ready) => {
    if (!shuttingDown) send(ready)
  },
  (err) => {
    send({ event: 'error', error: String(err?.stack ?? err) })
    shutdown('startup failed', 1)
  },
)
