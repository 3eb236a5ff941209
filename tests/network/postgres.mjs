// A throwaway Postgres cluster owned by the launcher process: created in a private folder,
// listening on 127.0.0.1 only (no Unix socket), removed when stopped. If the launcher dies
// without stopping it, the kernel sends the postmaster SIGQUIT (setpriv --pdeathsig), which is
// Postgres's immediate shutdown; the harness then removes the folder.
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

// Postgres refuses to run as root: when we are root, run it as the `postgres` user.
function runAs() {
  if (process.getuid() !== 0) return {}
  const id = (flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim())
  try {
    return { uid: id('-u'), gid: id('-g') }
  } catch {
    throw new Error('running as root, but there is no `postgres` user to run Postgres as')
  }
}

function hasSetpriv() {
  try {
    execFileSync('setpriv', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

// Runs a short command to completion, failing with its output when it fails or hangs.
function run(file, args, options, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve(output)
      else reject(new Error(`${path.basename(file)} failed (${signal ?? code}):\n${output}`))
    })
  })
}

export async function startCluster({ binDir, dir, port, logFd }) {
  const user = runAs()
  const data = path.join(dir, 'data')
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  if (user.uid !== undefined) fs.chownSync(dir, user.uid, user.gid)
  const options = { ...user, cwd: dir, env: { ...process.env, LC_ALL: 'C', LANG: 'C' } }

  await run(
    path.join(binDir, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
    options,
    120_000,
  )

  // Durability is pointless for a throwaway cluster; turning it off makes the AppView faster.
  const postgresArgs = [
    '-D', data, '-p', String(port),
    '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
    '-c', 'max_connections=200',
  ]
  const postgres = path.join(binDir, 'postgres')
  const [file, args] = hasSetpriv()
    ? ['setpriv', ['--pdeathsig', 'QUIT', '--', postgres, ...postgresArgs]]
    : [postgres, postgresArgs]
  const child = spawn(file, args, { ...options, stdio: ['ignore', logFd, logFd] })
  let exited = null
  const exitPromise = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal }
      resolve(exited)
    }),
  )

  // Ready once pg_isready says so: at most 300 tries of 100 ms each.
  const isReady = path.join(binDir, 'pg_isready')
  let ready = false
  for (let attempt = 0; attempt < 300 && !ready && !exited; attempt++) {
    try {
      await run(isReady, ['-q', '-h', '127.0.0.1', '-p', String(port)], {}, 5_000)
      ready = true
    } catch {
      await sleep(100)
    }
  }

  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`
  const cluster = {
    url,
    pid: child.pid,
    get exited() {
      return exited
    },
    onExit: (callback) => exitPromise.then(callback),
    // Fast shutdown (SIGINT), then SIGKILL if it takes more than `timeoutMs`; then the folder goes.
    async stop(timeoutMs = 10_000) {
      if (!exited) {
        child.kill('SIGINT')
        const timedOut = await Promise.race([exitPromise.then(() => false), sleep(timeoutMs, true)])
        if (timedOut) {
          child.kill('SIGKILL')
          await Promise.race([exitPromise, sleep(2_000)])
        }
      }
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
  if (!ready) {
    await cluster.stop()
    throw new Error(`Postgres did not become ready on 127.0.0.1:${port} (exit: ${JSON.stringify(exited)})`)
  }
  return cluster
}
