// Preloaded with `node --import` before the reference servers: they call `listen(port)`, which
// binds every interface. Here any TCP listen without a host, or with a non-loopback one, binds
// 127.0.0.1 instead, so nothing the test network starts is reachable from outside the machine.
import net from 'node:net'

const LOOPBACK = '127.0.0.1'
const isLoopback = (host) => host === LOOPBACK || host === 'localhost' || host === '::1'
const isPort = (value) =>
  typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))

const originalListen = net.Server.prototype.listen

net.Server.prototype.listen = function listen(...args) {
  const [first] = args
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    // listen({port, host}); a {path}, {fd} or {handle} listen is no TCP socket: leave it.
    const tcp = first.path === undefined && first.fd === undefined && first.handle === undefined
    if (tcp && !isLoopback(first.host)) args[0] = { ...first, host: LOOPBACK }
  } else if (isPort(first) || first === undefined || typeof first === 'function') {
    // listen(), listen(cb), listen(port[, host][, backlog][, cb])
    if (!isPort(first)) args.unshift(0)
    if (typeof args[1] === 'string') {
      if (!isLoopback(args[1])) args[1] = LOOPBACK
    } else {
      args.splice(1, 0, LOOPBACK)
    }
  }
  return originalListen.apply(this, args)
}
