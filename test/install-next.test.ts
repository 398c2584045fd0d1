/**
 * The package in the Next.js apps people have: `npm pack` of the built
 * package, installed with a plain `npm install` (no `--legacy-peer-deps`)
 * into fresh App Router apps on Next 14, 15 and 16, each built with
 * `next build`, served with `next start` on 127.0.0.1 and driven over HTTP.
 *
 * Next 14 is the point (issue 19): a `next >=15` peer made npm refuse the
 * package with ERESOLVE in iron-session's own Next 14 example, which
 * iron-session 9, declaring no `next` peer, installs into. Each app reads and
 * writes a session through both doors: the facade the way iron-session's docs
 * write it for that Next (`cookies()` on 14, `await cookies()` from 15), and
 * `effect-iron-session/Next`, which awaits `cookies()` itself.
 *
 * The apps run one after another, one server at a time: on two cores a
 * `next build` takes about a minute and two would only slow each other down.
 * `E2E=0` skips the file, as it does the other tests of npm and Next.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@effect/vitest"
import { e2e } from "./helpers/e2e.js"
import { buildNextApp, ensurePackageBuilt, type NextServer, nextAppIn, startApp } from "./helpers/next.js"
import { npm, pack, type Ran } from "./helpers/npm.js"

const password = "a-test-password-for-the-install-tests-32+"

interface Target {
  readonly next: string
  /** The React that Next's peer range asks for: 18 for Next 14, 19 from 15. */
  readonly react: string
  /** How iron-session's docs get the cookie store on that Next. */
  readonly cookies: string
}

const targets: ReadonlyArray<Target> = [
  { next: "14", react: "18", cookies: "cookies()" },
  { next: "15", react: "19", cookies: "await cookies()" },
  { next: "16", react: "19", cookies: "await cookies()" },
]

/** The facade as an iron-session 9 app writes it: a counter in `facade_counter`. */
const facadeRoute = (target: Target) => `
import { getIronSession } from "effect-iron-session/promise"
import { cookies } from "next/headers"

const session = async () =>
  getIronSession(${target.cookies}, { password: process.env.SESSION_PASSWORD, cookieName: "facade_counter" })

export async function GET() {
  return Response.json({ count: (await session()).count ?? 0 })
}

export async function POST() {
  const s = await session()
  s.count = (s.count ?? 0) + 1
  await s.save()
  return Response.json({ count: s.count })
}

export async function DELETE() {
  const s = await session()
  s.destroy()
  return Response.json({ count: 0 })
}
`

/** The same counter through `effect-iron-session/Next`, in `effect_counter`. */
const effectRoute = `
import { Config, Effect, Option, Schema } from "effect"
import { Session } from "effect-iron-session"
import * as Next from "effect-iron-session/Next"

class Counter extends Session.Tag()("install/Counter", {
  schema: Schema.Struct({ count: Schema.Number }),
  cookieName: "effect_counter",
  password: Config.redacted("SESSION_PASSWORD"),
}) {}

const AppRuntime = Next.makeRuntime("install", Counter.layer)
const count = Effect.map(Counter.get, Option.match({ onNone: () => 0, onSome: (c) => c.count }))

export const GET = Next.route(AppRuntime, () => Effect.map(count, (n) => Response.json({ count: n })))

export const POST = Next.route(AppRuntime, () =>
  Effect.gen(function* () {
    const n = (yield* count) + 1
    yield* Counter.set({ count: n })
    return Response.json({ count: n })
  }),
)

export const DELETE = Next.route(AppRuntime, () => Effect.as(Counter.destroy, Response.json({ count: 0 })))
`

const write = (path: string, text: string) => {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, text)
}

/**
 * A client with a cookie jar, as a browser keeps one: a `Set-Cookie` stores
 * its cookie, one with `Max-Age=0` removes it. (The cookies are `Secure`; a
 * browser would not send them over plain HTTP, this jar does.)
 */
const client = (base: string) => {
  const jar = new Map<string, string>()
  const request = async (method: string, path: string) => {
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join("; ")
    const response = await fetch(`${base}${path}`, { method, headers: cookie === "" ? {} : { cookie } })
    const setCookie = response.headers.getSetCookie()
    for (const header of setCookie) {
      const [pair = "", ...attributes] = header.split(";")
      const name = pair.slice(0, pair.indexOf("=")).trim()
      const value = pair.slice(pair.indexOf("=") + 1).trim()
      if (value === "" || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) jar.delete(name)
      else jar.set(name, value)
    }
    return { status: response.status, body: (await response.json()) as { count: number }, setCookie }
  }
  return { jar, request }
}

describe.runIf(e2e)("installing the packed package into Next.js App Router apps", () => {
  let dir = ""
  let tarball = ""
  let started = 0

  beforeAll(async () => {
    started = performance.now()
    ensurePackageBuilt()
    dir = mkdtempSync(join(tmpdir(), "effect-iron-session-install-next-"))
    tarball = await pack(dir)
  }, 120_000)

  afterAll(() => {
    if (dir !== "") rmSync(dir, { recursive: true, force: true })
    console.info(`the Next.js install tests: ${((performance.now() - started) / 1000).toFixed(1)} s in all`)
  })

  for (const target of targets)
    describe(`on Next ${target.next}`, () => {
      let folder = ""
      let installed: Ran | undefined
      let server: NextServer | undefined

      beforeAll(async () => {
        folder = join(dir, `next-${target.next}`)
        write(join(folder, "package.json"), JSON.stringify({ name: `next-${target.next}`, private: true }))
        write(join(folder, "app/api/session/route.js"), facadeRoute(target))
        write(join(folder, "app/api/effect/route.js"), effectRoute)
        // The app's own dependencies in the same command, as a user adds the
        // package to an app: npm resolves every peer against this Next.
        const installStarted = performance.now()
        installed = await npm(
          folder,
          "install",
          tarball,
          `next@${target.next}`,
          `react@${target.react}`,
          `react-dom@${target.react}`,
          "effect@3",
        )
        console.info(
          `npm install on Next ${target.next}: ${((performance.now() - installStarted) / 1000).toFixed(1)} s`,
        )
        // The first test reports a failed install; there is nothing to build.
        if (installed.code !== 0) return
        const app = nextAppIn(folder, "/api/session")
        const buildStarted = performance.now()
        await buildNextApp(app)
        console.info(`next build on Next ${target.next}: ${((performance.now() - buildStarted) / 1000).toFixed(1)} s`)
        server = await startApp({ SESSION_PASSWORD: password }, 30_000, app)
        // npm is bounded at 2 minutes, `next build` takes one or two on two cores, `next start` 30 s.
      }, 360_000)

      // Stopping takes up to 10 s (SIGTERM, then SIGKILL); the app's 300 MB go
      // right after, not with the others at the end.
      afterAll(async () => {
        await server?.stop()
        const removing = performance.now()
        if (folder !== "") await rm(folder, { recursive: true, force: true, maxRetries: 3 })
        console.info(`removing the Next ${target.next} app: ${((performance.now() - removing) / 1000).toFixed(1)} s`)
      }, 60_000)

      let printedOutput = false
      afterEach(({ task }) => {
        if (task.result?.state === "fail" && server !== undefined && !printedOutput) {
          printedOutput = true
          console.error(`next start (Next ${target.next}) printed:\n${server.output().slice(-4000)}`)
        }
      })

      const up = () => {
        if (server === undefined) throw new Error(`Next ${target.next} is not running: the install failed (see above)`)
        return server
      }

      it(`installs with a plain npm install, without a peer conflict, next@${target.next} as the app asked`, async () => {
        expect((await npm(folder, "config", "get", "legacy-peer-deps")).stdout.trim()).toBe("false")
        expect(installed?.stderr).not.toContain("ERESOLVE")
        expect(installed?.code, `npm install failed:\n${installed?.stderr}`).toBe(0)
        const next = JSON.parse(readFileSync(join(folder, "node_modules/next/package.json"), "utf8"))
        expect(next.version.split(".")[0]).toBe(target.next)
      })

      const keepsASession = async (path: string, cookieName: string) => {
        const browser = client(up().url)
        const first = await browser.request("POST", path)
        expect(first).toMatchObject({ status: 200, body: { count: 1 } })
        expect(first.setCookie.some((header) => header.startsWith(`${cookieName}=Fe26.2*`))).toBe(true)
        expect(browser.jar.has(cookieName)).toBe(true)

        expect(await browser.request("POST", path)).toMatchObject({ status: 200, body: { count: 2 } })
        expect(await browser.request("GET", path)).toMatchObject({ status: 200, body: { count: 2 } })

        const destroyed = await browser.request("DELETE", path)
        expect(destroyed.status).toBe(200)
        expect(destroyed.setCookie.some((header) => /^[^=]+=;.*Max-Age=0/i.test(header))).toBe(true)
        expect(browser.jar.has(cookieName)).toBe(false)
        expect(await browser.request("GET", path)).toMatchObject({ status: 200, body: { count: 0 } })
      }

      it(`keeps a session through effect-iron-session/promise with getIronSession(${target.cookies}): set on the first request, incremented on the next, cleared by destroy`, () =>
        keepsASession("/api/session", "facade_counter"))

      it("keeps a session through effect-iron-session/Next's route, which awaits cookies() itself: set, incremented, cleared", () =>
        keepsASession("/api/effect", "effect_counter"))
    })
})
