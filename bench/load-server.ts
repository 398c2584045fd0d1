/**
 * One server of the load section, in its own process so the load generator
 * does not share its event loop: `node --import tsx bench/load-server.ts
 * <facade|iron-session|floor>`. A `node:http` server on 127.0.0.1 (a port the
 * OS picks, sent to the parent over IPC) whose every request reads the
 * session, counts a visit, saves it, and answers the new count.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { type Data, SESSION_OPTIONS } from "./fixtures.js"
import { handleNode } from "./floor.js"
import { loadFacade } from "./lib.js"

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void

/** The facade and iron-session share one signature: the same handler for both. */
const sessionHandler =
  (getIronSession: typeof import("iron-session")["getIronSession"]): Handler =>
  async (req, res) => {
    const session = await getIronSession<Data>(req, res, SESSION_OPTIONS)
    session.visits = (session.visits ?? 0) + 1
    await session.save()
    res.end(String(session.visits))
  }

const handlerFor = async (kind: string | undefined): Promise<Handler> => {
  switch (kind) {
    case "facade":
      return sessionHandler((await loadFacade()).getIronSession as typeof import("iron-session")["getIronSession"])
    case "iron-session":
      return sessionHandler((await import("iron-session")).getIronSession)
    case "floor":
      return handleNode
    default:
      throw new Error(`load-server: unknown server ${JSON.stringify(kind)}; use facade, iron-session or floor`)
  }
}

const handler = await handlerFor(process.argv[2])
const server = createServer((req, res) => {
  Promise.resolve()
    .then(() => handler(req, res))
    .catch((error: unknown) => {
      res.statusCode = 500
      res.end(String(error))
    })
})
server.keepAliveTimeout = 60_000
server.listen(0, "127.0.0.1", () => {
  process.send?.({ port: (server.address() as AddressInfo).port })
})
// The parent stops this process by its pid; open keep-alive sockets must not hold it up.
process.on("SIGTERM", () => process.exit(0))
process.on("disconnect", () => process.exit(0))
