/**
 * The built package in each runtime it supports: Node (this Node binary, in
 * its own process), Bun, Deno, and workerd with and without Node.js
 * compatibility. The same conformance run (`test/runtimes/conformance.ts`)
 * goes to each; its report is judged here, next to the real iron-session 9.
 *
 * - `E2E=0` skips the file (CI runs the once-only suites on one Node pass).
 * - A runtime binary that is missing is skipped with a warning, except under
 *   `CI`, where it fails.
 *
 * The runtimes come from their npm packages (devDependencies):
 * `@oven/bun-linux-x64`, `@deno/linux-x64-glibc`, `@cloudflare/workerd-linux-64`.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { getIronSession, sealData, unsealData } from "iron-session"
import {
  binaries,
  bundle,
  COMPATIBILITY_DATE,
  ensureBuilt,
  prepareOutDir,
  runScript,
  type ScriptRuntime,
  startWorkerd,
  type Workerd,
  type WorkerSpec,
} from "./runtimes/launch.js"
import {
  type Backend,
  type CookieCase,
  cookiePair,
  type Input,
  type Outcome,
  pageUrl,
  type Report,
} from "./runtimes/protocol.js"
import { type GetIronSession, optionsOf, snapshot, webSession } from "./runtimes/web-session.js"

const enabled = process.env.E2E !== "0"

const password = "a-password-that-is-at-least-32-characters-long"
const newer = "a-newer-password-that-is-also-32-characters-long"
const rotation = { 1: password, 2: newer }
const data = { user: { id: 7, name: "Zoë", roles: ["admin", "editor"] }, visits: 2, ok: true, nothing: null }
const cookieCases: ReadonlyArray<CookieCase> = [
  { name: "defaults", cookieName: "rt" },
  {
    name: "ttl and cookie options",
    cookieName: "rt_options",
    ttl: 3600,
    cookieOptions: { path: "/account", domain: "app.example", sameSite: "strict" },
  },
]

interface Target {
  readonly name: string
  readonly backend: Backend
  readonly installed: boolean
}

const scriptRuntimes: ReadonlyArray<Target & { readonly runtime: ScriptRuntime }> = [
  { name: "node", runtime: "node", backend: "node", installed: true },
  { name: "bun", runtime: "bun", backend: "node", installed: binaries.bun !== undefined },
  { name: "deno", runtime: "deno", backend: "node", installed: binaries.deno !== undefined },
]

const workers: ReadonlyArray<Target & WorkerSpec> = (
  [
    { name: "workerd", compatibilityDate: COMPATIBILITY_DATE, compatibilityFlags: [], backend: "node" },
    {
      name: "workerd-nodejs-compat",
      compatibilityDate: COMPATIBILITY_DATE,
      compatibilityFlags: ["nodejs_compat"],
      backend: "node",
    },
    {
      name: "workerd-no-nodejs-compat-v2",
      compatibilityDate: COMPATIBILITY_DATE,
      compatibilityFlags: ["no_nodejs_compat_v2"],
      backend: "webcrypto",
    },
    // The day before Node.js compatibility became the default: Web Crypto only.
    { name: "workerd-2026-08-03", compatibilityDate: "2026-08-03", compatibilityFlags: [], backend: "webcrypto" },
  ] as const satisfies ReadonlyArray<Omit<Target, "installed"> & WorkerSpec>
).map((w) => ({ ...w, installed: binaries.workerd !== undefined }))

const targets: ReadonlyArray<Target> = [...scriptRuntimes, ...workers]

if (enabled) {
  const missing = [...new Set(targets.filter((t) => !t.installed).map((t) => t.name.split("-")[0]))]
  if (missing.length > 0 && process.env.CI) {
    throw new Error(`Missing runtime binaries: ${missing.join(", ")}. \`npm ci\` installs them (devDependencies).`)
  }
  if (missing.length > 0) console.warn(`Skipping ${missing.join(", ")}: not installed (npm ci installs them).`)
}

/** The report of each runtime, by target name; rejected if the runtime did not answer. */
const reports = new Map<string, Promise<Report>>()
let workerd: Workerd | undefined
let workerBundle: ReadonlyArray<string> = []

/** Stores a pending report, handled so a runtime that fails is reported by its tests, not as unhandled. */
const keep = (name: string, report: Promise<Report>) => {
  report.catch(() => undefined)
  reports.set(name, report)
}

const lastLine = (stdout: string): Report => JSON.parse(stdout.trim().split("\n").at(-1) ?? "null") as Report

const post = async (url: string, body: string): Promise<Report> => {
  const response = await fetch(url, { method: "POST", body, signal: AbortSignal.timeout(30_000) })
  if (!response.ok) throw new Error(`${response.status}: ${await response.text()}`)
  return (await response.json()) as Report
}

const ironSession: GetIronSession = (request, response, options) =>
  getIronSession<Record<string, unknown>>(request, response, options)

/** The inputs: seals and a cookie made by the real iron-session here, in Node. */
const makeInput = async (): Promise<Input> => {
  const saved = await webSession(ironSession, cookieCases[0]!, password, data)
  return {
    password,
    rotation,
    data,
    cookieCases,
    fromIronSession: {
      single: await sealData(data, { password }),
      rotated: await sealData(data, { password: rotation }),
      cookie: cookiePair(saved.saveSetCookie[0]),
    },
  }
}

/** What iron-session does for each cookie case: the expected Set-Cookie headers. */
let expectedWebSessions: ReadonlyArray<Awaited<ReturnType<typeof webSession>>> = []

/** A `Set-Cookie` with its seal replaced: seals differ on every call, the rest must not. */
const masked = (headers: ReadonlyArray<string>) => headers.map((h) => h.replace(/=Fe26\.2\*[^;]*/, "=<seal>"))

const okValue = <A>(outcome: Outcome<A>): A => {
  if (outcome.status !== "ok") {
    throw new Error(outcome.status === "failed" ? outcome.error : `unexpectedly pending: ${outcome.reason}`)
  }
  return outcome.value
}

const opensInIronSession = (sealed: string, pw: string | Record<number, string> = password) =>
  unsealData(sealed, { password: pw })

describe.skipIf(!enabled)("the built package in every runtime", () => {
  beforeAll(async () => {
    const started = performance.now()
    const build = ensureBuilt()
    prepareOutDir()
    const built = performance.now()
    const [, workerInputs] = await Promise.all([
      bundle("test/runtimes/cli.ts", "cli.mjs", "packages-external"),
      bundle("test/runtimes/worker.ts", "worker.mjs", "worker"),
    ])
    workerBundle = workerInputs
    const input = await makeInput()
    expectedWebSessions = await Promise.all(cookieCases.map((c) => webSession(ironSession, c, password, data)))
    const bundled = performance.now()

    const json = JSON.stringify(input)
    for (const t of scriptRuntimes) {
      if (t.installed) keep(t.name, runScript(t.runtime, "cli.mjs", [json], 30_000).then(lastLine))
    }
    if (binaries.workerd !== undefined) {
      const server = startWorkerd("worker.mjs", workers, { config: "conformance.capnp" })
      for (const w of workers) {
        const answered = server.then((s) => post(s.urls[w.name]!, json))
        keep(w.name, answered)
      }
      workerd = await server.catch(() => undefined)
    }
    await Promise.allSettled(reports.values())
    await workerd?.stop()
    console.info(
      `runtimes: dist ${build} (${Math.round(built - started)} ms), bundles and inputs ${Math.round(bundled - built)} ms, ` +
        `${reports.size} runtimes ${Math.round(performance.now() - bundled)} ms`,
    )
  }, 120_000)

  afterAll(async () => {
    await workerd?.stop()
  })

  for (const target of targets) {
    describe.skipIf(!target.installed)(target.name, () => {
      const report = () => reports.get(target.name) ?? Promise.reject(new Error("no report"))

      it("imports the built package by its own name", async () => {
        const r = await report()
        if (target.name.startsWith("workerd")) {
          expect(workerBundle).toContain("dist/promise/index.js")
          expect(workerBundle.filter((file) => file.startsWith("src/"))).toEqual([])
        } else {
          expect(r.resolved).toMatch(/\/dist\/promise\/index\.js$/)
        }
      })

      it("(a) seals and unseals with the facade", async () => {
        const roundTrip = okValue((await report()).roundTrip)
        expect(roundTrip.sealed).toMatch(/^Fe26\.2\*1\*[^*]+\*[^*]+\*[^*]+\*\d+\*[^*]+\*[^*]+~2$/)
        expect(roundTrip.opened).toEqual(data)
        expect(roundTrip.openedWithoutMarker).toEqual(data)
        expect(roundTrip.tampered).toEqual({ opened: {}, reasons: ["invalid"] })
      })

      it("(b) reads back a session saved over web Request/Response, with iron-session's Set-Cookie", async () => {
        const results = okValue((await report()).webSession)
        expect(results.map((r) => r.name)).toEqual(cookieCases.map((c) => c.name))
        results.forEach((result, i) => {
          const expected = expectedWebSessions[i]!
          expect(result.readBack).toEqual(data)
          expect(masked(result.saveSetCookie)).toEqual(masked(expected.saveSetCookie))
          expect(result.readSetCookie).toEqual(expected.readSetCookie)
          expect(result.destroySetCookie).toEqual(expected.destroySetCookie)
        })
        // For the record, what iron-session writes with its defaults:
        expect(masked(results[0]!.saveSetCookie)).toEqual([
          "rt=<seal>; Max-Age=1209540; Path=/; HttpOnly; Secure; SameSite=Lax",
        ])
      })

      it("(c) opens the seals and the cookie iron-session 9 made in Node", async () => {
        expect(okValue((await report()).opened)).toEqual({ single: data, rotated: data, cookie: data })
      })

      it("(c) makes seals and cookies iron-session 9 opens in Node", async () => {
        const r = await report()
        const sealed = okValue(r.sealed)
        expect(sealed.single).toMatch(/^Fe26\.2\*1\*/)
        expect(sealed.rotated).toMatch(/^Fe26\.2\*2\*/) // the highest id seals
        expect(await opensInIronSession(sealed.single)).toEqual(data)
        expect(await opensInIronSession(sealed.rotated, rotation)).toEqual(data)
        expect(await opensInIronSession(okValue(r.roundTrip).sealed)).toEqual(data)
        for (const [i, result] of okValue(r.webSession).entries()) {
          const request = new Request(pageUrl, { headers: { cookie: cookiePair(result.saveSetCookie[0]) } })
          const session = await getIronSession(request, new Response(null), optionsOf(cookieCases[i]!, password))
          expect(snapshot(session)).toEqual(data)
        }
      })

      it(`(d) picks the ${target.backend} crypto backend`, async () => {
        const backend = okValue((await report()).backend)
        expect(backend.value).toBe(target.backend)
      })

      it("(d) Seal.make({ password, ttl }) tells its backend and seals for iron-session", async (ctx) => {
        const sealer = (await report()).sealer
        if (sealer.status === "pending") return ctx.skip(sealer.reason)
        const value = okValue(sealer)
        expect(value.backend).toBe(target.backend)
        expect(value.opened).toEqual(data)
        expect(await opensInIronSession(value.sealed)).toEqual(data)
      })

      it("(e) a typed session set with Auth.set reads back with Auth.get, its Date a Date", async (ctx) => {
        const typed = (await report()).typedSession
        if (typed.status === "pending") return ctx.skip(typed.reason)
        const value = okValue(typed)
        expect(value.readBack).toEqual({ id: 1, at: "1970-01-01T00:00:00.000Z" })
        expect(value.atIsDate).toBe(true)
        const cookie = cookiePair(value.setCookie[0])
        expect(cookie).toMatch(/^auth=Fe26\.2\*/)
        expect(await opensInIronSession(cookie.slice("auth=".length))).toEqual({ id: 1, at: 0 })
      })
    })
  }
})
