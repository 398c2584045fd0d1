import { createServer } from "node:net"

/**
 * A free TCP port on loopback: bind port 0, read it, let it go, so that a
 * server started by a test (Redis, an app, a snippet) can take it.
 */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
