/**
 * The conformance run: the same checks in every runtime, against the built
 * package imported by its own name (`effect-iron-session/promise`), as an app
 * in that runtime would import it. It only observes and reports; the vitest
 * test (`test/runtimes.test.ts`) judges the report in Node, next to the real
 * iron-session.
 *
 * Every check runs on its own, so one failure does not hide the others.
 */
import { getIronSession, sealData, unsealData } from "effect-iron-session/promise"
import { backend, sealer, typedSession } from "./effect-api.js"
import { attempt, type Input, pageUrl, type Report, type WebSessionResult } from "./protocol.js"
import { type GetIronSession, optionsOf, snapshot, webSession } from "./web-session.js"

const facade: GetIronSession = (request, response, options) =>
  getIronSession<Record<string, unknown>>(request, response, options)

/** The other checks' first cookie case, as iron-session wrote it in Node: read here. */
const readIronSessionCookie = async (input: Input) => {
  const c = input.cookieCases[0]
  if (c === undefined) throw new Error("no cookie case")
  const request = new Request(pageUrl, { headers: { cookie: input.fromIronSession.cookie } })
  return snapshot(await getIronSession(request, new Response(null), optionsOf(c, input.password)))
}

/** One encrypted character changed: the MAC must refuse it. */
const tamper = (sealed: string): string => {
  const parts = sealed.split("*")
  const encrypted = parts[4] ?? ""
  parts[4] = `${encrypted[0] === "A" ? "B" : "A"}${encrypted.slice(1)}`
  return parts.join("*")
}

export const run = async (input: Input, where: { runtime: string; resolved: string | undefined }): Promise<Report> => {
  const { password, rotation, data } = input
  return {
    ...where,
    roundTrip: await attempt(async () => {
      const sealed = await sealData(data, { password })
      const reasons: Array<string> = []
      return {
        sealed,
        opened: await unsealData(sealed, { password }),
        openedWithoutMarker: await unsealData(sealed.replace(/~2$/, ""), { password }),
        tampered: {
          opened: await unsealData(tamper(sealed), { password, onUnsealError: (reason) => reasons.push(reason) }),
          reasons,
        },
      }
    }),
    webSession: await attempt(async () => {
      const results: Array<WebSessionResult> = []
      for (const c of input.cookieCases) results.push(await webSession(facade, c, password, data))
      return results
    }),
    opened: await attempt(async () => ({
      single: await unsealData(input.fromIronSession.single, { password }),
      rotated: await unsealData(input.fromIronSession.rotated, { password: { ...rotation } }),
      cookie: await readIronSessionCookie(input),
    })),
    sealed: await attempt(async () => ({
      single: await sealData(data, { password }),
      rotated: await sealData(data, { password: { ...rotation } }),
    })),
    backend: await backend(password),
    sealer: await sealer(input),
    typedSession: await typedSession(input),
  }
}

/** The runtime's name and version, as it reports itself. */
export const runtimeName = (): string => {
  const g = globalThis as {
    Bun?: { version: string }
    Deno?: { version: { deno: string } }
    navigator?: { userAgent?: string }
    process?: { versions?: { node?: string } }
  }
  if (g.Bun) return `Bun/${g.Bun.version}`
  if (g.Deno) return `Deno/${g.Deno.version.deno}`
  if (g.navigator?.userAgent) return g.navigator.userAgent
  return `Node.js/${g.process?.versions?.node ?? "?"}`
}
