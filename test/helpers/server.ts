import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/**
 * A real `node:http` server on 127.0.0.1 for one test: each request runs
 * `handler`, whose failure becomes a 500 with the message as body.
 */
export const withServer = async <A>(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void,
  use: (url: string) => Promise<A>,
): Promise<A> => {
  const server: Server = createServer((req, res) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((error: unknown) => {
        if (!res.headersSent) res.statusCode = 500
        res.end(error instanceof Error ? error.message : String(error))
      })
      .finally(() => {
        if (!res.writableEnded) res.end()
      })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  try {
    return await use(`http://127.0.0.1:${port}`)
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

/** The `Cookie` header a browser would send after these `Set-Cookie` headers. */
export const cookieHeaderFrom = (setCookies: ReadonlyArray<string>, previous: Record<string, string> = {}) => {
  const jar = { ...previous }
  for (const header of setCookies) {
    const [pair = "", ...attributes] = header.split(";").map((part) => part.trim())
    const eq = pair.indexOf("=")
    const name = pair.slice(0, eq)
    const value = pair.slice(eq + 1)
    if (attributes.some((a) => /^max-age=0$/i.test(a)) || value === "") delete jar[name]
    else jar[name] = value
  }
  return {
    jar,
    header: Object.entries(jar)
      .map(([name, value]) => `${name}=${value}`)
      .join("; "),
  }
}
