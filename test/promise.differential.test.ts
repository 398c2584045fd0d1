/**
 * Differential tests: every scenario runs once against the real `iron-session`
 * 9 and once against `effect-iron-session/promise`, and what a caller can
 * observe (session data, `Set-Cookie` headers, thrown messages, `onUnsealError`
 * reasons) must be the same. Every seal either library writes is also read
 * back by the other one.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { describe, expect, it } from "@effect/vitest"
import * as HapiIron from "@hapi/iron"
import express from "express"
import { RequestCookies } from "next/dist/compiled/@edge-runtime/cookies/index.js"
import {
  MutableRequestCookiesAdapter,
  RequestCookiesAdapter,
} from "next/dist/server/web/spec-extension/adapters/request-cookies.js"
import { NextRequest, NextResponse } from "next/server.js"
import {
  type Differential,
  differential,
  failure,
  hapiSeal,
  type Lib,
  newer,
  nodeServer,
  normalizeSetCookies,
  normalizeValue,
  ours as oursLib,
  password,
  reasons,
  type Scenario,
  type SessionOptions,
  sealShape,
  snapshot,
  syncFailure,
  tamper,
  theirs as theirsLib,
  visit,
  withListening,
} from "./helpers/differential.js"
import { cookieHeaderFrom, withServer } from "./helpers/server.js"

type Data = Record<string, unknown>

/** Runs a scenario against both libraries and checks everything but the scenario's own sanity assertions. */
const compare = async <O>(scenario: Scenario<O>, sanity: (theirs: O) => void, options: { writesSeal: boolean }) => {
  const result: Differential<O> = await differential(scenario)
  // iron-session's own observation must show the behaviour, so that a
  // scenario cannot pass by both libraries doing nothing.
  sanity(result.theirs)
  expect.soft(result.ours).toEqual(result.theirs)
  if (options.writesSeal) {
    expect(result.theirsReadByOurs.length).toBeGreaterThan(0)
    expect(result.oursReadByTheirs.length).toBeGreaterThan(0)
  }
  // A cookie written by either is read by the other.
  expect
    .soft(result.theirsReadByOurs.map((r) => ({ label: r.label, ...r.got })))
    .toEqual(result.theirsReadByOurs.map((r) => ({ label: r.label, ...r.expected })))
  expect
    .soft(result.oursReadByTheirs.map((r) => ({ label: r.label, ...r.got })))
    .toEqual(result.oursReadByTheirs.map((r) => ({ label: r.label, ...r.expected })))
  return result
}

const cookieOf = (jar: Record<string, string>) =>
  Object.entries(jar)
    .map(([name, value]) => `${name}=${value}`)
    .join("; ")

type WebOut = "args" | "response" | "headers"

/**
 * One request through web objects: a `Request` carrying `jar` as its cookies,
 * and the session opened with `getIronSession(request, response, options)`
 * ("args"), `webCookies(request, response)` ("response") or
 * `webCookies(request, headers)` ("headers").
 */
const webVisit = async (
  lib: Lib,
  options: SessionOptions,
  jar: Record<string, string>,
  act: (session: Data & { save: () => Promise<void>; destroy: () => void }) => Promise<unknown> | unknown,
  out: WebOut = "args",
  init: Array<[string, string]> = [],
) => {
  const cookie = cookieOf(jar)
  const request = new Request("http://127.0.0.1/", cookie === "" ? {} : { headers: { cookie } })
  const response = new Response("ok", { headers: init })
  const headers = new Headers(init)
  const { seen: unsealErrors, onUnsealError } = reasons()
  const withHook = { ...options, onUnsealError }
  const session =
    out === "args"
      ? await lib.getIronSession<Data>(request, response, withHook)
      : await lib.getIronSession<Data>(lib.webCookies(request, out === "headers" ? headers : response), withHook)
  const before = snapshot(session)
  const result = await act(session as never)
  const raw = (out === "headers" ? headers : response.headers).getSetCookie()
  return {
    seen: {
      before,
      reasons: unsealErrors,
      ...(result === undefined ? {} : { result }),
      after: snapshot(session),
      setCookie: normalizeSetCookies(raw),
    },
    raw,
    jar: cookieHeaderFrom(raw, jar).jar,
  }
}

const save =
  (data: Data) =>
  async (session: Data & { save: () => Promise<void> }): Promise<undefined> => {
    Object.assign(session, data)
    await session.save()
    return undefined
  }

const nothing = () => undefined

const appOptions: SessionOptions = { cookieName: "app", password }

const DEFAULT_ATTRIBUTES = "Max-Age=1209540; Path=/; HttpOnly; Secure; SameSite=Lax"
const SEALED = (name: string, attributes = DEFAULT_ATTRIBUTES) =>
  expect.stringMatching(new RegExp(`^${name}=<seal:\\d+>; ${attributes.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`))

describe("promise facade vs iron-session 9 (differential)", () => {
  it("reads, saves and destroys a session on Node's req/res behind a real node:http server", async () => {
    const scenario: Scenario<unknown> = async (lib, record) => {
      const handler = async (req: IncomingMessage, res: ServerResponse) => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1")
        const { seen, onUnsealError } = reasons()
        const options = { ...appOptions, onUnsealError }
        const session =
          url.searchParams.get("form") === "jar"
            ? await lib.getIronSession<Data>(lib.nodeCookies(req, res), options)
            : await lib.getIronSession<Data>(req, res, options)
        const before = snapshot(session)
        if (url.pathname === "/save") {
          session.user = "alice"
          session.visits = ((session.visits as number | undefined) ?? 0) + 1
          await session.save()
        }
        if (url.pathname === "/destroy") session.destroy()
        res.setHeader("content-type", "application/json")
        res.end(JSON.stringify({ before, after: snapshot(session), reasons: seen }))
      }
      return withServer(handler, async (url) => {
        const out: Array<unknown> = []
        for (const form of ["args", "jar"]) {
          const first = await visit(`${url}/?form=${form}`)
          const saved = await visit(`${url}/save?form=${form}`)
          const jar1 = cookieHeaderFrom(saved.raw).jar
          record.cookie(`node ${form} first save`, cookieOf(jar1), appOptions, { user: "alice", visits: 1 })
          const second = await visit(`${url}/?form=${form}`, cookieOf(jar1))
          const again = await visit(`${url}/save?form=${form}`, cookieOf(jar1))
          const jar2 = cookieHeaderFrom(again.raw, jar1).jar
          record.cookie(`node ${form} second save`, cookieOf(jar2), appOptions, { user: "alice", visits: 2 })
          const destroyed = await visit(`${url}/destroy?form=${form}`, cookieOf(jar2))
          const jar3 = cookieHeaderFrom(destroyed.raw, jar2).jar
          const after = await visit(`${url}/?form=${form}`, cookieOf(jar3))
          out.push({
            form,
            first: first.seen,
            saved: saved.seen,
            second: second.seen,
            again: again.seen,
            destroyed: destroyed.seen,
            jarAfterDestroy: Object.keys(jar3),
            after: after.seen,
          })
        }
        return out
      })
    }
    await compare(
      scenario,
      (theirs) => {
        expect(theirs).toHaveLength(2)
        for (const run of theirs as Array<Record<string, { status: number; body: Data; setCookie: Array<string> }>>) {
          expect(run.first).toEqual({ status: 200, body: { before: {}, after: {}, reasons: [] }, setCookie: [] })
          expect(run.saved?.setCookie).toEqual([SEALED("app")])
          expect(run.second?.body.before).toEqual({ user: "alice", visits: 1 })
          expect(run.second?.setCookie).toEqual([])
          expect(run.again?.body.after).toEqual({ user: "alice", visits: 2 })
          expect(run.destroyed?.setCookie).toEqual([`app=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax`])
          expect(run.destroyed?.body.after).toEqual({})
          expect(run.after?.body.before).toEqual({})
        }
      },
      { writesSeal: true },
    )
  })

  it("reads, saves and destroys a session on web Request/Response and on a bare Headers", async () => {
    const scenario: Scenario<unknown> = async (lib, record) => {
      const out: Record<string, unknown> = {}
      for (const form of ["args", "response", "headers"] as const) {
        const first = await webVisit(lib, appOptions, {}, save({ user: "alice", visits: 1 }), form)
        record.cookie(`web ${form}`, cookieOf(first.jar), appOptions, { user: "alice", visits: 1 })
        const second = await webVisit(lib, appOptions, first.jar, nothing, form)
        const destroyed = await webVisit(lib, appOptions, first.jar, (s) => s.destroy(), form)
        const after = await webVisit(lib, appOptions, destroyed.jar, nothing, form)
        out[form] = {
          first: first.seen,
          second: second.seen,
          destroyed: destroyed.seen,
          jarAfterDestroy: destroyed.jar,
          after: after.seen,
        }
      }
      return out
    }
    await compare(
      scenario,
      (theirs) => {
        for (const run of Object.values(theirs as Record<string, Record<string, Data>>)) {
          expect(run.first?.before).toEqual({})
          expect(run.first?.setCookie).toEqual([SEALED("app")])
          expect(run.second?.before).toEqual({ user: "alice", visits: 1 })
          expect(run.second?.setCookie).toEqual([])
          expect(run.destroyed?.setCookie).toEqual(["app=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax"])
          expect(run.jarAfterDestroy).toEqual({})
          expect(run.after?.before).toEqual({})
        }
      },
      { writesSeal: true },
    )
  })

  it("keeps Set-Cookie headers that were set before, in the same order", async () => {
    const scenario: Scenario<unknown> = async (lib, record) => {
      const node = await withServer(
        async (req, res) => {
          const url = new URL(req.url ?? "/", "http://127.0.0.1")
          const earlier = url.searchParams.get("earlier")
          if (earlier === "one") res.setHeader("set-cookie", "theme=dark")
          if (earlier === "list") res.setHeader("set-cookie", ["theme=dark", "lang=en; Path=/"])
          const session = await lib.getIronSession<Data>(req, res, appOptions)
          if (url.pathname === "/destroy") session.destroy()
          else {
            session.user = "alice"
            await session.save()
          }
          res.setHeader("set-cookie", [...((res.getHeader("set-cookie") as Array<string>) ?? []), "after=1"])
          res.end("ok")
        },
        async (url) => {
          const out: Array<unknown> = []
          for (const earlier of ["one", "list"]) {
            const saved = await visit(`${url}/save?earlier=${earlier}`)
            record.cookie(`node earlier ${earlier}`, cookieOf(cookieHeaderFrom(saved.raw).jar), appOptions, {
              user: "alice",
            })
            const destroyed = await visit(
              `${url}/destroy?earlier=${earlier}`,
              cookieOf(cookieHeaderFrom(saved.raw).jar),
            )
            out.push({ earlier, saved: saved.seen, destroyed: destroyed.seen })
          }
          return out
        },
      )
      const web: Record<string, unknown> = {}
      const init: Array<[string, string]> = [
        ["set-cookie", "theme=dark"],
        ["set-cookie", "lang=en; Path=/"],
      ]
      for (const form of ["args", "response", "headers"] as const) {
        const saved = await webVisit(lib, appOptions, {}, save({ user: "alice" }), form, init)
        record.cookie(`web earlier ${form}`, cookieOf({ app: saved.jar.app ?? "" }), appOptions, { user: "alice" })
        const destroyed = await webVisit(lib, appOptions, { app: saved.jar.app ?? "" }, (s) => s.destroy(), form, init)
        web[form] = { saved: saved.seen.setCookie, destroyed: destroyed.seen.setCookie }
      }
      return { node, web }
    }
    await compare(
      scenario,
      (theirs) => {
        const { node, web } = theirs as {
          node: Array<{ earlier: string; saved: { setCookie: Array<string> }; destroyed: { setCookie: Array<string> } }>
          web: Record<string, { saved: Array<string>; destroyed: Array<string> }>
        }
        expect(node[0]?.saved.setCookie).toEqual(["theme=dark", SEALED("app"), "after=1"])
        expect(node[1]?.saved.setCookie).toEqual(["theme=dark", "lang=en; Path=/", SEALED("app"), "after=1"])
        expect(node[1]?.destroyed.setCookie).toEqual([
          "theme=dark",
          "lang=en; Path=/",
          "app=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax",
          "after=1",
        ])
        for (const run of Object.values(web)) {
          expect(run.saved).toEqual(["theme=dark", "lang=en; Path=/", SEALED("app")])
          expect(run.destroyed).toEqual([
            "theme=dark",
            "lang=en; Path=/",
            "app=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax",
          ])
        }
      },
      { writesSeal: true },
    )
  })

  it("sets Max-Age and the seal's expiry the same way for every ttl and maxAge variant", async () => {
    const variants: Array<[string, SessionOptions]> = [
      ["default", appOptions],
      ["ttl 3600", { ...appOptions, ttl: 3600 }],
      ["ttl 30 (under the 60 s skew)", { ...appOptions, ttl: 30 }],
      ["ttl 0 (never expires)", { ...appOptions, ttl: 0 }],
      ["maxAge undefined (browser-session cookie)", { ...appOptions, cookieOptions: { maxAge: undefined } }],
      [
        "maxAge 100 with path, domain, sameSite strict, secure false",
        {
          ...appOptions,
          cookieOptions: { maxAge: 100, path: "/app", domain: "example.com", sameSite: "strict", secure: false },
        },
      ],
    ]
    const scenario: Scenario<unknown> = async (lib, record) => {
      const out: Record<string, unknown> = {}
      for (const [label, options] of variants) {
        const saved = await webVisit(lib, options, {}, save({ user: "alice" }))
        const seal = saved.jar.app ?? ""
        record.cookie(label, cookieOf(saved.jar), options, { user: "alice" })
        const read = await webVisit(lib, options, saved.jar, nothing)
        const destroyed = await webVisit(lib, options, saved.jar, (s) => s.destroy())
        out[label] = {
          setCookie: saved.seen.setCookie,
          seal: sealShape(seal),
          read: read.seen,
          destroyed: destroyed.seen.setCookie,
        }
      }
      return out
    }
    await compare(
      scenario,
      (theirs) => {
        const t = theirs as Record<string, { setCookie: Array<string>; seal: { expiresIn: number | "" } }>
        expect(t.default?.setCookie).toEqual([SEALED("app")])
        expect(t.default?.seal.expiresIn).toBe(1209600)
        expect(t["ttl 3600"]?.setCookie).toEqual([
          SEALED("app", "Max-Age=3540; Path=/; HttpOnly; Secure; SameSite=Lax"),
        ])
        expect(t["ttl 3600"]?.seal.expiresIn).toBe(3600)
        expect(t["ttl 30 (under the 60 s skew)"]?.setCookie).toEqual([
          SEALED("app", "Max-Age=30; Path=/; HttpOnly; Secure; SameSite=Lax"),
        ])
        expect(t["ttl 0 (never expires)"]?.setCookie).toEqual([
          SEALED("app", "Max-Age=2147483647; Path=/; HttpOnly; Secure; SameSite=Lax"),
        ])
        expect(t["ttl 0 (never expires)"]?.seal.expiresIn).toBe("")
        expect(t["maxAge undefined (browser-session cookie)"]?.setCookie).toEqual([
          SEALED("app", "Path=/; HttpOnly; Secure; SameSite=Lax"),
        ])
        expect(t["maxAge undefined (browser-session cookie)"]?.seal.expiresIn).toBe("")
        expect(t["maxAge 100 with path, domain, sameSite strict, secure false"]?.setCookie).toEqual([
          SEALED("app", "Max-Age=100; Domain=example.com; Path=/app; HttpOnly; SameSite=Strict"),
        ])
      },
      { writesSeal: true },
    )
  })

  it("rotates passwords: an id-1 seal reads under { 1, 2 }, saving re-seals under id 2, and an unknown id is reported", async () => {
    const v1: SessionOptions = { cookieName: "app", password: { 1: password } }
    const both: SessionOptions = { cookieName: "app", password: { 1: password, 2: newer } }
    const v2: SessionOptions = { cookieName: "app", password: { 2: newer } }
    const scenario: Scenario<unknown> = async (lib, record) => {
      const first = await webVisit(lib, v1, {}, save({ user: "alice" }))
      record.cookie("rotation id 1", cookieOf(first.jar), v1, { user: "alice" })
      const rotated = await webVisit(lib, both, first.jar, save({ rotated: true }))
      record.cookie("rotation id 2", cookieOf(rotated.jar), both, { user: "alice", rotated: true })
      const onlyNew = await webVisit(lib, v2, rotated.jar, nothing)
      const oldUnderNew = await webVisit(lib, v2, first.jar, nothing)
      const newUnderOld = await webVisit(lib, v1, rotated.jar, nothing)
      return {
        first: { ...first.seen, sealId: sealShape(first.jar.app ?? "").passwordId },
        rotated: { ...rotated.seen, sealId: sealShape(rotated.jar.app ?? "").passwordId },
        onlyNew: onlyNew.seen,
        oldUnderNew: oldUnderNew.seen,
        newUnderOld: newUnderOld.seen,
      }
    }
    await compare(
      scenario,
      (theirs) => {
        const t = theirs as Record<string, { before: Data; reasons: Array<string>; sealId?: string }>
        expect(t.first?.sealId).toBe("1")
        expect(t.rotated?.before).toEqual({ user: "alice" })
        expect(t.rotated?.sealId).toBe("2")
        expect(t.onlyNew?.before).toEqual({ user: "alice", rotated: true })
        expect(t.onlyNew?.reasons).toEqual([])
        expect(t.oldUnderNew).toMatchObject({ before: {}, reasons: ["unknown-password"] })
        expect(t.newUnderOld).toMatchObject({ before: {}, reasons: ["unknown-password"] })
      },
      { writesSeal: true },
    )
  })

  it("gives an empty session and reason expired for a seal that has expired (made by @hapi/iron)", async () => {
    const expired = await hapiSeal({ user: "alice" }, { expired: true })
    const valid = await hapiSeal({ user: "alice" })
    const scenario: Scenario<unknown> = async (lib, record) => {
      const read = await webVisit(lib, appOptions, { app: expired }, nothing)
      const readMap = await webVisit(lib, { ...appOptions, password: { 1: password } }, { app: expired }, nothing)
      const resave = await webVisit(lib, appOptions, { app: expired }, save({ user: "bob" }))
      record.cookie("after expiry", cookieOf(resave.jar), appOptions, { user: "bob" })
      const { seen, onUnsealError } = reasons()
      const unsealed = await lib.unsealData(expired, { password, onUnsealError })
      const fresh = await webVisit(lib, appOptions, { app: valid }, nothing)
      return {
        read: read.seen,
        readMap: readMap.seen,
        resave: resave.seen,
        unsealData: { unsealed, seen },
        fresh: fresh.seen,
      }
    }
    await compare(
      scenario,
      (theirs) => {
        const t = theirs as Record<string, Data>
        expect(t.read).toMatchObject({ before: {}, reasons: ["expired"], setCookie: [] })
        expect(t.readMap).toMatchObject({ before: {}, reasons: ["expired"] })
        expect(t.resave).toMatchObject({ before: {}, reasons: ["expired"], after: { user: "bob" } })
        expect(t.unsealData).toEqual({ unsealed: {}, seen: ["expired"] })
        expect(t.fresh).toMatchObject({ before: { user: "alice" }, reasons: [] })
      },
      { writesSeal: true },
    )
  })

  it("gives an empty session and reason invalid for a tampered seal or a garbage cookie", async () => {
    const shared = tamper(await hapiSeal({ user: "alice" }))
    const garbage = ["garbage", "Fe26.2*1*x*y*z**a*b", "Fe26.2*garbage~2"]
    const scenario: Scenario<unknown> = async (lib, record) => {
      const own = await webVisit(lib, appOptions, {}, save({ user: "alice" }))
      record.cookie("before tampering", cookieOf(own.jar), appOptions, { user: "alice" })
      const ownTampered = await webVisit(lib, appOptions, { app: tamper(own.jar.app ?? "") }, nothing)
      const sharedTampered = await webVisit(lib, appOptions, { app: shared }, nothing)
      const wrongPassword = await webVisit(lib, { ...appOptions, password: newer }, own.jar, nothing)
      const garbled: Record<string, unknown> = {}
      for (const value of garbage) garbled[value] = (await webVisit(lib, appOptions, { app: value }, nothing)).seen
      return {
        ownTampered: ownTampered.seen,
        sharedTampered: sharedTampered.seen,
        wrongPassword: wrongPassword.seen,
        garbled,
      }
    }
    await compare(
      scenario,
      (theirs) => {
        const t = theirs as { garbled: Record<string, unknown> } & Record<string, unknown>
        for (const key of ["ownTampered", "sharedTampered", "wrongPassword"]) {
          expect(t[key]).toMatchObject({ before: {}, reasons: ["invalid"], setCookie: [] })
        }
        for (const value of garbage) expect(t.garbled[value]).toMatchObject({ before: {}, reasons: ["invalid"] })
      },
      { writesSeal: true },
    )
  })

  it("splits a large session into chunks, reads them back, expires stale chunks and enforces the limits", async () => {
    const chunked: SessionOptions = { cookieName: "big", password, chunk: true }
    const plain: SessionOptions = { cookieName: "big", password }
    const large = { blob: "x".repeat(6000) }
    const huge = { blob: "y".repeat(14000) }
    const scenario: Scenario<unknown> = async (lib, record) => {
      const saved = await webVisit(lib, chunked, {}, save(large))
      record.cookie("chunked", cookieOf(saved.jar), chunked, large)
      record.cookie("chunked read without chunk", cookieOf(saved.jar), plain, large)
      const read = await webVisit(lib, chunked, saved.jar, nothing)
      const readPlain = await webVisit(lib, plain, saved.jar, nothing)
      const shrunk = await webVisit(lib, chunked, saved.jar, async (s) => {
        delete s.blob
        s.small = 1
        await s.save()
      })
      record.cookie("shrunk", cookieOf(shrunk.jar), chunked, { small: 1 })
      const afterShrink = await webVisit(lib, chunked, shrunk.jar, nothing)
      const tooBig = await webVisit(lib, plain, {}, (s) => failure(() => save(large)(s), "Cookie length is too big"))
      const tooMany = await webVisit(lib, chunked, {}, (s) => failure(() => save(huge)(s), "the maximum is 4"))
      const mixed = await webVisit(lib, plain, saved.jar, (s) =>
        failure(() => save({ blob: "z".repeat(6000) })(s), "already stored across several cookies"),
      )
      const destroyed = await webVisit(lib, chunked, saved.jar, (s) => s.destroy())
      return {
        saved: { ...saved.seen, cookies: Object.keys(saved.jar) },
        read: read.seen,
        readPlain: readPlain.seen,
        shrunk: { ...shrunk.seen, cookies: Object.keys(shrunk.jar) },
        afterShrink: afterShrink.seen,
        tooBig: tooBig.seen,
        tooMany: tooMany.seen,
        mixed: mixed.seen,
        destroyed: { ...destroyed.seen, cookies: Object.keys(destroyed.jar) },
      }
    }
    await compare(
      scenario,
      (theirs) => {
        const t = theirs as Record<string, { setCookie: Array<string>; cookies: Array<string> } & Data>
        const attributes = DEFAULT_ATTRIBUTES
        expect(t.saved?.cookies).toEqual(["big.0", "big.1", "big.2"])
        for (const [i, header] of (t.saved?.setCookie ?? []).entries()) {
          expect(header).toMatch(new RegExp(`^big\\.${i}=<chunk:\\d+>; ${attributes}$`))
        }
        expect(t.read?.before).toEqual(large)
        expect(t.readPlain?.before).toEqual(large)
        expect(t.shrunk?.setCookie).toEqual([
          SEALED("big"),
          `big.0=; ${attributes.replace("1209540", "0")}`,
          `big.1=; ${attributes.replace("1209540", "0")}`,
          `big.2=; ${attributes.replace("1209540", "0")}`,
        ])
        expect(t.shrunk?.cookies).toEqual(["big"])
        expect(t.afterShrink?.before).toEqual({ small: 1 })
        expect(t.tooBig).toMatchObject({ result: { threw: true, contains: true }, setCookie: [] })
        expect(t.tooMany).toMatchObject({ result: { threw: true, contains: true }, setCookie: [] })
        expect(t.mixed).toMatchObject({ before: large, result: { threw: true, contains: true }, setCookie: [] })
        expect(t.destroyed?.setCookie).toHaveLength(4)
        expect(t.destroyed?.cookies).toEqual([])
      },
      { writesSeal: true },
    )
  })

  it("works with Next.js cookies(): mutable in a Route Handler, and refuses to save when read-only", async () => {
    const scenario: Scenario<unknown> = async (lib, record) => {
      const updates: Array<Array<string>> = []
      const mutable = MutableRequestCookiesAdapter.wrap(new RequestCookies(new Headers({ other: "1" })), (c) =>
        updates.push(c),
      )
      const { seen, onUnsealError } = reasons()
      const session = await lib.getIronSession<Data>(mutable, { ...appOptions, onUnsealError })
      const before = snapshot(session)
      session.user = "alice"
      await session.save()
      const value = mutable.get("app")?.value ?? ""
      record.cookie("next cookies()", `app=${value}`, appOptions, { user: "alice" })
      const afterSave = { updates: updates.map(normalizeSetCookies), value: normalizeValue("app", value) }

      const sameRequest = await lib.getIronSession<Data>(mutable, appOptions)
      const nextUpdates: Array<Array<string>> = []
      const second = MutableRequestCookiesAdapter.wrap(
        new RequestCookies(new Headers({ cookie: `app=${value}` })),
        (c) => nextUpdates.push(c),
      )
      const secondSession = await lib.getIronSession<Data>(second, appOptions)
      const secondRead = snapshot(secondSession)
      secondSession.destroy()

      const readOnly = RequestCookiesAdapter.seal(new RequestCookies(new Headers({ cookie: `app=${value}` })))
      const frozen = await lib.getIronSession<Data>(readOnly, appOptions)
      const frozenRead = snapshot(frozen)
      frozen.user = "bob"
      const saveError = await failure(
        () => frozen.save(),
        "Cookies can only be modified in a Server Action or Route Handler",
        false,
      )
      const destroyError = syncFailure(
        () => frozen.destroy(),
        "Cookies can only be modified in a Server Action or Route Handler",
        false,
      )
      return {
        before,
        reasons: seen,
        afterSave,
        sameRequest: snapshot(sameRequest),
        secondRead,
        destroyUpdates: nextUpdates.map(normalizeSetCookies),
        readOnly: { frozenRead, saveError, destroyError, afterDestroy: snapshot(frozen) },
      }
    }
    await compare(
      scenario,
      (theirs) => {
        const t = theirs as Record<string, unknown> & {
          afterSave: { updates: Array<Array<string>>; value: string }
          destroyUpdates: Array<Array<string>>
          readOnly: Record<string, unknown>
        }
        expect(t.before).toEqual({})
        expect(t.afterSave.updates.at(-1)).toEqual([
          expect.stringMatching(
            /^app=<seal:\d+>; Path=\/; Expires=<now\+Max-Age>; Max-Age=1209540; Secure; HttpOnly; SameSite=lax$/,
          ),
        ])
        expect(t.afterSave.value).toMatch(/^<seal:\d+>$/)
        expect(t.sameRequest).toEqual({ user: "alice" })
        expect(t.secondRead).toEqual({ user: "alice" })
        expect(t.destroyUpdates.at(-1)).toEqual(["app=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=lax"])
        expect(t.readOnly.frozenRead).toEqual({ user: "alice" })
        expect(t.readOnly.saveError).toMatchObject({ threw: true, contains: true })
        expect(t.readOnly.destroyError).toMatchObject({ threw: true, contains: true, sync: true })
      },
      { writesSeal: true },
    )
  })

  it("works in Next.js proxy: save writes the response Set-Cookie and request.cookies sees the new value", async () => {
    const scenario: Scenario<unknown> = async (lib, record) => {
      const request = new NextRequest("http://127.0.0.1/page", { headers: { cookie: "other=1" } })
      const response = NextResponse.next()
      const { seen, onUnsealError } = reasons()
      const session = await lib.getIronSession<Data>(lib.nextProxyCookies(request, response), {
        ...appOptions,
        onUnsealError,
      })
      const before = snapshot(session)
      session.user = "alice"
      await session.save()
      const value = request.cookies.get("app")?.value ?? ""
      record.cookie("next proxy", `app=${value}`, appOptions, { user: "alice" })
      const later = await lib.getIronSession<Data>(lib.nextProxyCookies(request, NextResponse.next()), appOptions)

      const nextRequest = new NextRequest("http://127.0.0.1/page", {
        headers: { cookie: cookieOf(cookieHeaderFrom(response.headers.getSetCookie()).jar) },
      })
      const nextResponse = NextResponse.next()
      const second = await lib.getIronSession<Data>(lib.nextProxyCookies(nextRequest, nextResponse), appOptions)
      const secondRead = snapshot(second)
      second.destroy()
      return {
        before,
        reasons: seen,
        setCookie: normalizeSetCookies(response.headers.getSetCookie()),
        requestCookie: normalizeValue("app", value),
        requestCookieNames: request.cookies.getAll().map((c) => c.name),
        laterInSameRequest: snapshot(later),
        secondRead,
        destroySetCookie: normalizeSetCookies(nextResponse.headers.getSetCookie()),
        requestAfterDestroy: nextRequest.cookies.get("app")?.value ?? null,
      }
    }
    await compare(
      scenario,
      (theirs) => {
        const t = theirs as Record<string, unknown>
        expect(t.before).toEqual({})
        expect(t.setCookie).toEqual([
          expect.stringMatching(
            /^app=<seal:\d+>; Path=\/; Expires=<now\+Max-Age>; Max-Age=1209540; Secure; HttpOnly; SameSite=lax$/,
          ),
        ])
        expect(t.requestCookie).toMatch(/^<seal:\d+>$/)
        expect(t.laterInSameRequest).toEqual({ user: "alice" })
        expect(t.secondRead).toEqual({ user: "alice" })
        expect(t.destroySetCookie).toEqual(["app=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=lax"])
      },
      { writesSeal: true },
    )
  })

  it("refuses bad usage with the same errors", async () => {
    const scenario: Scenario<unknown> = async (lib) => {
      const request = () => new Request("http://127.0.0.1/")
      const jar = () => lib.webCookies(request(), new Headers())
      const open = (options: unknown) => lib.getIronSession<Data>(jar(), options as SessionOptions)
      const badUsage = "Bad usage: use getIronSession(req, res, options)"
      const out: Record<string, unknown> = {
        noArguments: await failure(() => (lib.getIronSession as unknown as () => Promise<unknown>)(), badUsage),
        oneArgument: await failure(() => (lib.getIronSession as (a: unknown) => Promise<unknown>)(jar()), badUsage),
        undefinedStore: await failure(() => lib.getIronSession(undefined as never, appOptions), badUsage),
        notAStore: await failure(() => lib.getIronSession({} as never, appOptions), badUsage),
        notAStoreWithGet: await failure(
          () => lib.getIronSession({ get: () => undefined } as never, appOptions),
          badUsage,
        ),
        emptyCookieName: await failure(() => open({ cookieName: "", password }), "Missing cookie name"),
        noCookieName: await failure(() => open({ password }), "Missing cookie name"),
        emptyPassword: await failure(() => open({ cookieName: "app", password: "" }), "Missing password"),
        noPassword: await failure(() => open({ cookieName: "app" }), "Missing password"),
        shortPassword: await failure(
          () => open({ cookieName: "app", password: "short" }),
          "Password must be at least 32 characters long",
        ),
        shortPasswordInMap: await failure(
          () => open({ cookieName: "app", password: { 1: password, 2: "short" } }),
          "Password must be at least 32 characters long",
        ),
        emptyPasswordMap: await failure(() => open({ cookieName: "app", password: {} }), "The password map is empty"),
        nonIntegerId: await failure(
          () => open({ cookieName: "app", password: { a: password } }),
          "Password ids must be integers",
        ),
      }

      const headers = new Headers()
      const session = await lib.getIronSession<Data>(lib.webCookies(request(), headers), appOptions)
      out.updateConfigShortPassword = syncFailure(
        () => session.updateConfig({ cookieName: "app", password: "short" }),
        "Password must be at least 32 characters long",
      )
      session.user = "alice"
      await session.save()
      out.saveAfterFailedUpdateConfig = normalizeSetCookies(headers.getSetCookie())

      out.afterHeadersSent = await withServer(
        async (req, res) => {
          const s = await lib.getIronSession<Data>(req, res, appOptions)
          s.user = "alice"
          res.flushHeaders()
          const error = await failure(() => s.save(), "headers were sent")
          res.end(JSON.stringify({ error, setCookieHeader: res.getHeader("set-cookie") ?? null }))
        },
        async (url) => (await visit(url)).seen,
      )

      const consumed = new Response("ok")
      await consumed.text()
      const afterBody = await lib.getIronSession<Data>(request(), consumed, appOptions)
      afterBody.user = "alice"
      out.afterBodyConsumed = {
        error: await failure(() => afterBody.save(), "body has already been consumed"),
        setCookie: consumed.headers.getSetCookie(),
      }

      const dateHeaders = new Headers()
      const withDate = await lib.getIronSession<Data>(lib.webCookies(request(), dateHeaders), appOptions)
      withDate.when = new Date("2026-01-02T03:04:05.000Z")
      out.date = {
        error: await failure(() => withDate.save(), "not JSON serializable (session.when is a Date)"),
        setCookie: dateHeaders.getSetCookie(),
      }

      const pastHeaders = new Headers()
      const past = new Date("2020-01-01T00:00:00.000Z")
      const pastOptions = { ...appOptions, cookieOptions: { expires: past } }
      const withPast = await lib.getIronSession<Data>(lib.webCookies(request(), pastHeaders), pastOptions)
      const readWithPast = snapshot(withPast)
      withPast.user = "alice"
      out.expiresInPast = {
        read: readWithPast,
        error: await failure(() => withPast.save(), "is in the past", false),
        mentionsDate: await failure(() => withPast.save(), past.toISOString(), false),
        setCookie: pastHeaders.getSetCookie(),
      }
      return out
    }
    await compare(
      scenario,
      (theirs) => {
        const t = theirs as Record<string, { threw?: boolean; contains?: boolean } & Record<string, unknown>>
        for (const key of [
          "noArguments",
          "oneArgument",
          "undefinedStore",
          "notAStore",
          "notAStoreWithGet",
          "emptyCookieName",
          "noCookieName",
          "emptyPassword",
          "noPassword",
          "shortPassword",
          "shortPasswordInMap",
          "emptyPasswordMap",
          "nonIntegerId",
          "updateConfigShortPassword",
        ]) {
          expect(t[key], key).toMatchObject({ threw: true, contains: true })
        }
        expect(t.updateConfigShortPassword).toMatchObject({ sync: true })
        expect(t.saveAfterFailedUpdateConfig).toEqual([SEALED("app")])
        expect(t.afterHeadersSent).toMatchObject({
          status: 200,
          body: { error: { threw: true, contains: true }, setCookieHeader: null },
          setCookie: [],
        })
        expect(t.afterBodyConsumed).toMatchObject({ error: { threw: true, contains: true }, setCookie: [] })
        expect(t.date).toMatchObject({ error: { threw: true, contains: true }, setCookie: [] })
        expect(t.expiresInPast).toMatchObject({
          read: {},
          error: { threw: true, contains: true },
          mentionsDate: { threw: true, contains: true },
          setCookie: [],
        })
      },
      { writesSeal: false },
    )
  })

  it("makes destroy terminal: saving an emptied session writes nothing, saving data written back throws", async () => {
    const scenario: Scenario<unknown> = async (lib, record) => {
      const first = await webVisit(lib, appOptions, {}, save({ user: "alice" }))
      record.cookie("before destroy", cookieOf(first.jar), appOptions, { user: "alice" })
      const emptied = await webVisit(lib, appOptions, first.jar, async (s) => {
        s.destroy()
        await s.save()
        await s.save()
      })
      const freshEmptied = await webVisit(lib, appOptions, {}, async (s) => {
        s.destroy()
        await s.save()
      })
      const writtenBack = await webVisit(lib, appOptions, first.jar, async (s) => {
        s.destroy()
        s.user = "mallory"
        return failure(() => s.save(), "Cannot save a destroyed session")
      })
      const afterUpdateConfig = await webVisit(lib, appOptions, first.jar, async (s) => {
        s.destroy()
        ;(s as unknown as { updateConfig: (o: SessionOptions) => void }).updateConfig({ ...appOptions, ttl: 3600 })
        s.user = "mallory"
        return failure(() => s.save(), "Cannot save a destroyed session")
      })
      return {
        emptied: emptied.seen,
        freshEmptied: freshEmptied.seen,
        writtenBack: writtenBack.seen,
        afterUpdateConfig: afterUpdateConfig.seen,
      }
    }
    const destroyHeader = "app=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax"
    await compare(
      scenario,
      (theirs) => {
        const t = theirs as Record<string, Data>
        expect(t.emptied).toMatchObject({ before: { user: "alice" }, after: {}, setCookie: [destroyHeader] })
        expect(t.freshEmptied).toMatchObject({ before: {}, after: {}, setCookie: [destroyHeader] })
        expect(t.writtenBack).toMatchObject({
          result: { threw: true, contains: true },
          after: { user: "mallory" },
          setCookie: [destroyHeader],
        })
        expect(t.afterUpdateConfig).toMatchObject({
          result: { threw: true, contains: true },
          setCookie: [destroyHeader],
        })
      },
      { writesSeal: true },
    )
  })

  it("seals and unseals with sealData/unsealData the same way, and each opens the other's seals", async () => {
    const expired = await hapiSeal({ user: "alice" }, { expired: true })
    const data = { user: { id: 7, name: "Zoë", tags: ["a", "b"] }, visits: 2, ok: true, nothing: null }
    const map = { 1: password, 2: newer }
    const scenario: Scenario<unknown> = async (lib, record) => {
      const open = async (seal: string, pw: SessionOptions["password"], ttl?: number) => {
        const { seen, onUnsealError } = reasons()
        const result = await lib.unsealData(seal, {
          password: pw,
          onUnsealError,
          ...(ttl === undefined ? {} : { ttl }),
        })
        return { result, reasons: seen }
      }
      const single = await lib.sealData(data, { password })
      record.seal("single password", single, password, data)
      record.seal("single password read as a map", single, { 1: password }, data)
      const rotated = await lib.sealData(data, { password: map })
      record.seal("password map", rotated, map, data)
      const forever = await lib.sealData(data, { password, ttl: 0 })
      record.seal("ttl 0", forever, password, data)
      const hour = await lib.sealData(data, { password, ttl: 3600 })
      record.seal("ttl 3600", hour, password, data)
      const text = await lib.sealData("text", { password })
      record.seal("a string", text, password, "text")
      const number = await lib.sealData(42, { password })
      record.seal("a number", number, password, 42)
      const array = await lib.sealData([1, "two"], { password })
      // Both spread object data before sealing (`{ ...data }`), so an array comes back as an object.
      record.seal("an array", array, password, { 0: 1, 1: "two" })
      return {
        single: { shape: sealShape(single), opened: await open(single, password) },
        rotated: { shape: sealShape(rotated), opened: await open(rotated, map) },
        forever: { shape: sealShape(forever), opened: await open(forever, password) },
        hour: { shape: sealShape(hour), opened: await open(hour, password, 3600) },
        text: await open(text, password),
        number: await open(number, password),
        array: await open(array, password),
        null: await open(await lib.sealData(null, { password }), password),
        expired: await open(expired, password),
        tampered: await open(tamper(single), password),
        wrongPassword: await open(single, newer),
        unknownId: await open(rotated, { 1: password }),
        garbage: await open("garbage", password),
      }
    }
    await compare(
      scenario,
      (theirs) => {
        const t = theirs as Record<string, Record<string, unknown>>
        expect(t.single).toEqual({
          shape: {
            length: expect.any(Number),
            parts: 8,
            prefix: "Fe26.2",
            passwordId: "1",
            expiresIn: 1209600,
            suffix: "2",
          },
          opened: { result: data, reasons: [] },
        })
        expect(t.rotated).toMatchObject({ shape: { passwordId: "2" }, opened: { result: data, reasons: [] } })
        expect(t.forever).toMatchObject({ shape: { expiresIn: "" }, opened: { result: data, reasons: [] } })
        expect(t.hour).toMatchObject({ shape: { expiresIn: 3600 }, opened: { result: data, reasons: [] } })
        expect(t.text).toEqual({ result: "text", reasons: [] })
        expect(t.number).toEqual({ result: 42, reasons: [] })
        expect(t.array).toEqual({ result: { 0: 1, 1: "two" }, reasons: [] })
        expect(t.null).toEqual({ result: {}, reasons: [] })
        expect(t.expired).toEqual({ result: {}, reasons: ["expired"] })
        expect(t.tampered).toEqual({ result: {}, reasons: ["invalid"] })
        expect(t.wrongPassword).toEqual({ result: {}, reasons: ["invalid"] })
        expect(t.unknownId).toEqual({ result: {}, reasons: ["unknown-password"] })
        expect(t.garbage).toEqual({ result: {}, reasons: ["invalid"] })
      },
      { writesSeal: true },
    )
  })

  it("behaves the same in an Express 5 app: login, read, logout", async () => {
    const scenario: Scenario<unknown> = async (lib, record) => {
      const app = express()
      app.get("/login", async (req, res) => {
        res.cookie("theme", "dark")
        const session = await lib.getIronSession<Data>(req, res, appOptions)
        session.user = "alice"
        await session.save()
        res.json(snapshot(session))
      })
      app.get("/me", async (req, res) => {
        const { seen, onUnsealError } = reasons()
        const session = await lib.getIronSession<Data>(req, res, { ...appOptions, onUnsealError })
        res.json({ session: snapshot(session), reasons: seen })
      })
      app.get("/logout", async (req, res) => {
        const session = await lib.getIronSession<Data>(req, res, appOptions)
        session.destroy()
        res.json(snapshot(session))
      })
      app.get("/late", async (req, res) => {
        const session = await lib.getIronSession<Data>(req, res, appOptions)
        session.user = "alice"
        res.status(200).write("partial")
        const error = await failure(() => session.save(), "headers were sent")
        res.end(JSON.stringify(error))
      })
      return withListening(nodeServer(app), async (url) => {
        const anonymous = await visit(`${url}/me`)
        const login = await visit(`${url}/login`)
        const jar = cookieHeaderFrom(login.raw).jar
        record.cookie("express login", cookieOf({ app: jar.app ?? "" }), appOptions, { user: "alice" })
        const me = await visit(`${url}/me`, cookieOf(jar))
        const logout = await visit(`${url}/logout`, cookieOf(jar))
        const afterLogout = await visit(`${url}/me`, cookieOf(cookieHeaderFrom(logout.raw, jar).jar))
        const tampered = await visit(`${url}/me`, `app=${tamper(jar.app ?? "")}`)
        const late = await visit(`${url}/late`)
        return {
          anonymous: anonymous.seen,
          login: login.seen,
          me: me.seen,
          logout: logout.seen,
          afterLogout: afterLogout.seen,
          tampered: tampered.seen,
          late: late.seen,
        }
      })
    }
    await compare(
      scenario,
      (theirs) => {
        const t = theirs as Record<string, { status: number; body: unknown; setCookie: Array<string> }>
        expect(t.anonymous).toMatchObject({ status: 200, body: { session: {}, reasons: [] }, setCookie: [] })
        expect(t.login).toMatchObject({
          status: 200,
          body: { user: "alice" },
          setCookie: ["theme=dark; Path=/", SEALED("app")],
        })
        expect(t.me).toMatchObject({ body: { session: { user: "alice" }, reasons: [] } })
        expect(t.logout).toMatchObject({
          body: {},
          setCookie: ["app=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax"],
        })
        expect(t.afterLogout).toMatchObject({ body: { session: {}, reasons: [] } })
        expect(t.tampered).toMatchObject({ body: { session: {}, reasons: ["invalid"] } })
        expect(t.late?.setCookie).toEqual([])
        expect(t.late?.body).toMatch(/headers were sent/)
      },
      { writesSeal: true },
    )
  })
})

/**
 * Not in the original list of scenarios: edge cases found while writing the
 * ones above. Each is still differential: iron-session's observation is the
 * expected one.
 */
describe("promise facade vs iron-session 9 (differential): edge cases", () => {
  it("reports the same onUnsealError reason for a malformed seal that names an unknown password id", async () => {
    const value = "Fe26.2*9*x*y*z**a*b"
    const scenario: Scenario<unknown> = async (lib) => {
      const { seen, onUnsealError } = reasons()
      const unsealed = await lib.unsealData(value, { password, onUnsealError })
      return { cookie: (await webVisit(lib, appOptions, { app: value }, nothing)).seen, unsealed, seen }
    }
    await compare(
      scenario,
      (theirs) =>
        expect(theirs).toMatchObject({
          cookie: { before: {}, reasons: ["unknown-password"] },
          unsealed: {},
          seen: ["unknown-password"],
        }),
      { writesSeal: false },
    )
  })

  it("names unserializable data in iron-session's words down to where iron-session looks, and says nothing more below it", async () => {
    /** `value` under `depth` keys: `{ k1: { k2: … value } }`. */
    const nested = (depth: number, value: unknown): Data => {
      let data: unknown = value
      for (let i = depth; i >= 1; i--) data = { [`k${i}`]: data }
      return data as Data
    }
    const cases: Array<[string, Data]> = [
      ["a Date five keys deep", nested(5, new Date(0))],
      ["a Date six keys deep", nested(6, new Date(0))],
      ["a Map in an array six levels deep", nested(5, [new Map()])],
      ["a bigint six keys deep", nested(6, 1n)],
      ["a bigint seven keys deep", nested(7, 1n)],
      ["NaN seven keys deep", nested(7, Number.NaN)],
    ]
    const scenario: Scenario<unknown> = async (lib) => {
      const out: Record<string, unknown> = {}
      for (const [label, data] of cases) {
        const headers = new Headers()
        const session = await lib.getIronSession<Data>(
          lib.webCookies(new Request("http://127.0.0.1/"), headers),
          appOptions,
        )
        Object.assign(session, data)
        out[label] = {
          save: await failure(() => session.save(), "Store plain JSON values"),
          sealData: await failure(() => lib.sealData(data, { password }), "Store plain JSON values"),
          setCookie: headers.getSetCookie(),
        }
      }
      return out
    }
    await compare(
      scenario,
      (theirs) => {
        const t = theirs as Record<string, { save: { message: string } }>
        expect(t["a Date five keys deep"]!.save.message).toContain("(session.k1.k2.k3.k4.k5 is a Date)")
        expect(t["a bigint six keys deep"]!.save.message).toContain("(session.k1.k2.k3.k4.k5.k6 is a bigint)")
        for (const label of ["a Date six keys deep", "a Map in an array six levels deep", "a bigint seven keys deep"]) {
          expect(t[label]!.save.message).toMatch(
            /^iron-session: The session data is not JSON serializable\. Store plain JSON values/,
          )
        }
      },
      { writesSeal: false },
    )
  })

  it("refuses null options in the (req, res, options) form with the same bad-usage error", async () => {
    await compare(
      async (lib) =>
        failure(() => lib.getIronSession(new Request("http://127.0.0.1/"), new Response(), null as never), "Bad usage"),
      (theirs) => expect(theirs).toMatchObject({ threw: true, contains: true }),
      { writesSeal: false },
    )
  })
})

/**
 * Where the facade differs from iron-session on purpose (each one listed in the
 * README under "Intentional differences"). Both behaviours are asserted, so a
 * change on either side shows up here.
 */
describe("promise facade vs iron-session 9: intentional differences", () => {
  const both = async <O>(scenario: Scenario<O>) => differential(scenario)

  it("a cookie or unsealData input that is not an object gives {} instead of a TypeError", async () => {
    const scenario: Scenario<unknown> = async (lib) => {
      const out: Record<string, unknown> = {}
      for (const [label, data] of [
        ["a string", "text"],
        ["a number", 42],
      ] as const) {
        const seal = await lib.sealData(data, { password })
        out[label] = await failure(
          async () =>
            snapshot(
              await lib.getIronSession<Data>(
                lib.webCookies(new Request("http://127.0.0.1/", { headers: { cookie: `app=${seal}` } }), new Headers()),
                appOptions,
              ),
            ),
          "defineProperties",
        )
      }
      const { seen, onUnsealError } = reasons()
      out.unsealNonString = {
        result: await failure(() => lib.unsealData(42 as never, { password, onUnsealError }), "is not a function"),
        seen,
      }
      return out
    }
    const { theirs, ours } = await both(scenario)
    expect(theirs).toMatchObject({
      "a string": { threw: true, name: "TypeError" },
      "a number": { threw: true, name: "TypeError" },
      unsealNonString: { result: { threw: true, name: "TypeError" }, seen: [] },
    })
    expect(ours).toEqual({
      "a string": { threw: false, phrase: "defineProperties", contains: false },
      "a number": { threw: false, phrase: "defineProperties", contains: false },
      unsealNonString: { result: { threw: false, phrase: "is not a function", contains: false }, seen: ["invalid"] },
    })
  })

  it("onUnsealError's second argument is the library's tagged error; the reason strings are iron-session's", async () => {
    const scenario: Scenario<unknown> = async (lib) => {
      const sealed = await lib.sealData({ admin: false }, { password })
      const errors: Array<{ reason: string; tag: unknown; name: unknown; detail: unknown }> = []
      const onUnsealError = (reason: string, error: unknown) => {
        const e = error as { _tag?: unknown; name?: unknown; reason?: unknown }
        errors.push({ reason, tag: e._tag, name: e.name, detail: e.reason })
      }
      const digest = sealed.lastIndexOf("*") + 1
      const forged = `${sealed.slice(0, digest)}${sealed[digest] === "A" ? "B" : "A"}${sealed.slice(digest + 1)}`
      await lib.unsealData(forged, { password, onUnsealError })
      await lib.unsealData(sealed.replace("*1*", "*7*"), { password, onUnsealError })
      return errors
    }
    const { theirs, ours } = await both(scenario)
    expect(theirs).toEqual([
      { reason: "invalid", tag: undefined, name: "Error", detail: undefined },
      { reason: "unknown-password", tag: undefined, name: "Error", detail: undefined },
    ])
    expect(ours).toEqual([
      { reason: "invalid", tag: "BadSealError", name: "BadSealError", detail: "integrity" },
      { reason: "unknown-password", tag: "BadSealError", name: "BadSealError", detail: "unknown-password-id" },
    ])
  })

  it("compares a seal's digest as text: a last character that decodes to the same bytes is refused, where iron accepts it", async () => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    const scenario: Scenario<unknown> = async (lib) => {
      const sealed = await lib.sealData({ admin: false }, { password })
      // 32 digest bytes take 43 base64url characters, 258 bits: the last
      // character's lowest two bits are padding, so flipping its lowest bit
      // changes the text and not the bytes.
      const end = sealed.lastIndexOf("~")
      const last = alphabet.indexOf(sealed[end - 1]!)
      const twin = `${sealed.slice(0, end - 1)}${alphabet[last ^ 1]}${sealed.slice(end)}`
      const { seen, onUnsealError } = reasons()
      return { changed: twin !== sealed, unsealed: await lib.unsealData(twin, { password, onUnsealError }), seen }
    }
    const { theirs, ours } = await both(scenario)
    expect(theirs).toEqual({ changed: true, unsealed: { admin: false }, seen: [] })
    expect(ours).toEqual({ changed: true, unsealed: {}, seen: ["invalid"] })
  })

  it("refuses options that cannot work when getIronSession is called, not later at save, or never", async () => {
    const at = async (lib: Lib, options: unknown) => {
      let stage = "getIronSession"
      const headers = new Headers()
      try {
        const session = await lib.getIronSession<Data>(
          lib.webCookies(new Request("http://127.0.0.1/"), headers),
          options as SessionOptions,
        )
        stage = "save"
        session.user = "alice"
        await session.save()
        return { stage: "saved", setCookie: normalizeSetCookies(headers.getSetCookie()) }
      } catch (error) {
        return { stage, name: (error as Error).constructor.name, message: (error as Error).message }
      }
    }
    const cases: Record<string, unknown> = {
      'password id "01"': { cookieName: "app", password: { "01": password } },
      'password id "-1"': { cookieName: "app", password: { "-1": password } },
      'cookieName "bad name"': { cookieName: "bad name", password },
      "ttl -5": { ...appOptions, ttl: -5 },
      "ttl 90.5": { ...appOptions, ttl: 90.5 },
    }
    const scenario: Scenario<unknown> = async (lib) => {
      const out: Record<string, unknown> = {}
      for (const [label, options] of Object.entries(cases)) out[label] = await at(lib, options)
      out["sealData with ttl -1"] = await failure(
        async () => sealShape(await lib.sealData({}, { password, ttl: -1 })).parts,
        "ttl",
      )
      return out
    }
    const { theirs, ours } = await both(scenario)
    const t = theirs as Record<string, Record<string, unknown>>
    const o = ours as Record<string, Record<string, unknown>>
    // iron-session accepts these, then fails at save (or saves a cookie that is already expired).
    expect(t['password id "01"']).toMatchObject({ stage: "save", message: expect.stringContaining("no usable entry") })
    expect(t['password id "-1"']).toMatchObject({ stage: "save", message: "Invalid password id" })
    expect(t['cookieName "bad name"']).toMatchObject({ stage: "save", name: "TypeError" })
    expect(t["ttl -5"]).toMatchObject({
      stage: "saved",
      setCookie: [SEALED("app", "Max-Age=-5; Path=/; HttpOnly; Secure; SameSite=Lax")],
    })
    expect(t["ttl 90.5"]).toMatchObject({ stage: "save", name: "TypeError" })
    expect(t["sealData with ttl -1"]).toMatchObject({ threw: false })
    // The facade refuses them up front, saying what to do.
    expect(o['password id "01"']).toEqual({
      stage: "getIronSession",
      name: "Error",
      message: `iron-session: Bad usage. Password ids must be integers, got "01". Use { 1: '...', 2: '...' }.`,
    })
    expect(o['password id "-1"']).toMatchObject({
      stage: "getIronSession",
      message: expect.stringContaining("must be integers"),
    })
    expect(o['cookieName "bad name"']).toMatchObject({
      stage: "getIronSession",
      message: expect.stringContaining('"bad name" is not a valid cookie name'),
    })
    expect(o["ttl -5"]).toMatchObject({
      stage: "getIronSession",
      message: expect.stringContaining("ttl: must be positive"),
    })
    // A fractional ttl is floored to whole seconds instead of failing at save.
    expect(o["ttl 90.5"]).toMatchObject({
      stage: "saved",
      setCookie: [SEALED("app", "Max-Age=30; Path=/; HttpOnly; Secure; SameSite=Lax")],
    })
    expect(o["sealData with ttl -1"]).toMatchObject({ threw: true, contains: true })
  })

  it("destroy fails visibly when its cookie cannot be written, instead of dropping it", async () => {
    const scenario: Scenario<unknown> = async (lib) => {
      const used = new Response("ok")
      await used.text()
      const usedSession = await lib.getIronSession<Data>(
        new Request("http://127.0.0.1/", { headers: { cookie: "app=abc" } }),
        used,
        appOptions,
      )
      const written: Array<string> = []
      const closedJar = {
        read: () => undefined,
        write: (name: string) => void written.push(name),
        assertWritable: () => {
          throw new RangeError("closed")
        },
      }
      const closedSession = await lib.getIronSession<Data>(closedJar, appOptions)
      return {
        usedBody: syncFailure(() => usedSession.destroy(), "body"),
        closed: { destroy: syncFailure(() => closedSession.destroy(), "closed"), written },
      }
    }
    const { theirs, ours } = await both(scenario)
    // iron-session appends a Set-Cookie nobody will receive, and never asks a jar whether it can write.
    expect(theirs).toEqual({
      usedBody: { threw: false, phrase: "body", contains: false, sync: true },
      closed: { destroy: { threw: false, phrase: "closed", contains: false, sync: true }, written: ["app"] },
    })
    expect(ours).toMatchObject({
      usedBody: { threw: true, contains: true, sync: true },
      closed: { destroy: { threw: true, name: "RangeError", message: "closed" }, written: [] },
    })
  })

  it("a Response with immutable headers is refused with a message that says so", async () => {
    const scenario: Scenario<unknown> = async (lib) => {
      const redirect = Response.redirect("http://127.0.0.1/next", 302)
      const session = await lib.getIronSession<Data>(new Request("http://127.0.0.1/"), redirect, appOptions)
      session.user = "alice"
      return { save: await failure(() => session.save(), "immutable", false) }
    }
    const { theirs, ours } = await both(scenario)
    expect(theirs).toEqual({ save: { threw: true, phrase: "immutable", contains: true, name: "TypeError" } })
    expect(ours).toEqual({ save: { threw: true, phrase: "immutable", contains: true, name: "Error" } })
  })

  it("names the value JSON cannot carry in more cases (undefined in an array, a cycle, undefined data)", async () => {
    const scenario: Scenario<unknown> = async (lib) => {
      const saveWith = async (data: Data) => {
        const session = await lib.getIronSession<Data>(
          lib.webCookies(new Request("http://127.0.0.1/"), new Headers()),
          appOptions,
        )
        Object.assign(session, data)
        return failure(() => session.save(), "not JSON serializable")
      }
      const cycle: Data = { a: 1 }
      cycle.me = cycle
      return {
        "a Date under a key that is not an identifier": await saveWith({ "my-key": new Date(0) }),
        "undefined in an array": await saveWith({ arr: [undefined] }),
        "a circular reference": await saveWith({ self: cycle }),
        "sealData(undefined)": await failure(() => lib.sealData(undefined, { password }), "not JSON serializable"),
      }
    }
    const { theirs, ours } = await both(scenario)
    for (const observed of Object.values(theirs as Record<string, unknown>)) {
      expect(observed).toMatchObject({ threw: true, contains: true })
    }
    const message = (label: string) => (ours as Record<string, { message?: string }>)[label]?.message ?? ""
    expect(message("a Date under a key that is not an identifier")).toContain('(session["my-key"] is a Date)')
    expect(message("undefined in an array")).toContain("(session.arr[0] is undefined)")
    expect(message("a circular reference")).toContain("(session.self.me is a circular reference)")
    expect(message("sealData(undefined)")).toContain("(session is undefined)")
  })

  it("a single password opens a seal with no password id (as @hapi/iron writes under a plain password), which iron-session refuses", async () => {
    const plain = `${await HapiIron.seal({ user: "alice" }, password, HapiIron.defaults)}~2`
    const broken = "Fe26.2**x*y*z**a*b"
    const scenario: Scenario<unknown> = async (lib) => {
      const out: Record<string, unknown> = {}
      for (const [label, value] of [
        ["@hapi/iron seal", plain],
        ["malformed, no id", broken],
      ] as const) {
        const { seen, onUnsealError } = reasons()
        const unsealed = await lib.unsealData(value, { password, onUnsealError })
        out[label] = { cookie: (await webVisit(lib, appOptions, { app: value }, nothing)).seen, unsealed, seen }
      }
      return out
    }
    const { theirs, ours } = await both(scenario)
    // iron-session reads a single password as { 1: password }, and finds no password for an empty id.
    expect(theirs).toEqual({
      "@hapi/iron seal": {
        cookie: { before: {}, after: {}, reasons: ["unknown-password"], setCookie: [] },
        unsealed: {},
        seen: ["unknown-password"],
      },
      "malformed, no id": {
        cookie: { before: {}, after: {}, reasons: ["unknown-password"], setCookie: [] },
        unsealed: {},
        seen: ["unknown-password"],
      },
    })
    // The facade follows the one rule of both doors: a single password opens id 1 and no id.
    expect(ours).toEqual({
      "@hapi/iron seal": {
        cookie: { before: { user: "alice" }, after: { user: "alice" }, reasons: [], setCookie: [] },
        unsealed: { user: "alice" },
        seen: [],
      },
      "malformed, no id": {
        cookie: { before: {}, after: {}, reasons: ["invalid"], setCookie: [] },
        unsealed: {},
        seen: ["invalid"],
      },
    })
  })
})

/**
 * The rules of issue "API 1.0" on the facade's side. Where iron-session
 * behaves the same, the scenario is differential; where the facade differs on
 * purpose, both behaviours are asserted (and listed in the README).
 */
describe("promise facade vs iron-session 9: safety rules shared with the Effect API", () => {
  const both = async <O>(scenario: Scenario<O>) => differential(scenario)

  it("an expired-looking forgery reads as expired on both, in iron's order (the facade's onUnsealError reasons)", async () => {
    const scenario: Scenario<unknown> = async (lib) => {
      const sealed = await lib.sealData({ admin: false }, { password })
      const parts = sealed.slice(0, -2).split("*")
      parts[5] = "1"
      const { seen, onUnsealError } = reasons()
      return { unsealed: await lib.unsealData(parts.join("*"), { password, onUnsealError }), seen }
    }
    await compare(scenario, (theirs) => expect(theirs).toEqual({ unsealed: {}, seen: ["expired"] }), {
      writesSeal: false,
    })
  })

  it("names a class instance with iron-session's exact wording: session.u is a User", async () => {
    class User {
      constructor(readonly id: number) {}
    }
    class Item {}
    const scenario: Scenario<unknown> = async (lib) => {
      const session = await lib.getIronSession<Data>(
        lib.webCookies(new Request("http://127.0.0.1/"), new Headers()),
        appOptions,
      )
      session.u = new User(1)
      const first = await failure(() => session.save(), "is a User")
      session.u = { list: [new Item()] }
      return { first, second: await failure(() => session.save(), "(session.u.list[0] is a Item)") }
    }
    await compare(
      scenario,
      (theirs) =>
        expect(theirs).toMatchObject({
          first: { threw: true, contains: true },
          second: { threw: true, contains: true },
        }),
      { writesSeal: false },
    )
  })

  it("reads a cookie named constructor, toString or valueOf, as iron-session does", async () => {
    const scenario: Scenario<unknown> = async (lib) => {
      const out: Record<string, unknown> = {}
      for (const cookieName of ["constructor", "toString", "valueOf"]) {
        const options = { ...appOptions, cookieName }
        const written = await webVisit(lib, options, {}, save({ user: "alice" }))
        const read = await webVisit(lib, options, written.jar, nothing)
        out[cookieName] = { setCookie: written.seen.setCookie, read: read.seen.before }
      }
      return out
    }
    await compare(
      scenario,
      (theirs) => {
        for (const name of ["constructor", "toString", "valueOf"]) {
          expect((theirs as Record<string, { read: unknown }>)[name]?.read).toEqual({ user: "alice" })
        }
      },
      { writesSeal: false },
    )
  })

  it("refuses a __Host- cookie with a Domain, a Path other than /, or without Secure, and a __Secure- cookie without Secure", async () => {
    const cases: Record<string, SessionOptions> = {
      "__Host- with a Domain": { ...appOptions, cookieName: "__Host-app", cookieOptions: { domain: "example.com" } },
      "__Host- with Path=/app": { ...appOptions, cookieName: "__Host-app", cookieOptions: { path: "/app" } },
      "__Host- not Secure": { ...appOptions, cookieName: "__Host-app", cookieOptions: { secure: false } },
      "__Secure- not Secure": { ...appOptions, cookieName: "__Secure-app", cookieOptions: { secure: false } },
      "__Host- done right": { ...appOptions, cookieName: "__Host-app" },
    }
    const scenario: Scenario<unknown> = async (lib) => {
      const out: Record<string, unknown> = {}
      for (const [label, options] of Object.entries(cases)) {
        out[label] = await failure(async () => {
          const headers = new Headers()
          const session = await lib.getIronSession<Data>(
            lib.webCookies(new Request("http://127.0.0.1/"), headers),
            options,
          )
          session.user = "alice"
          await session.save()
          return normalizeSetCookies(headers.getSetCookie())
        }, "browsers drop")
      }
      return out
    }
    const { theirs, ours } = await both(scenario)
    // iron-session writes cookies the browser then drops without a word.
    for (const label of Object.keys(cases)) expect(theirs).toHaveProperty([label, "threw"], false)
    const o = ours as Record<string, Record<string, unknown>>
    for (const label of Object.keys(cases).filter((l) => l !== "__Host- done right")) {
      expect(o[label]).toMatchObject({ threw: true, contains: true })
    }
    expect(o["__Host- done right"]).toMatchObject({ threw: false })
    expect(o["__Host- done right"]).toEqual((theirs as Record<string, unknown>)["__Host- done right"])
  })

  it("drops __proto__ keys when reading, so copying the data never gives it a prototype", async () => {
    const posted = JSON.parse('{"prefs":{"__proto__":{"role":"admin"},"theme":"dark"}}') as Data
    const scenario: Scenario<unknown> = async (lib) => {
      const sealed = await lib.sealData(posted, { password })
      const read = await lib.unsealData<{ prefs: Record<string, unknown> }>(sealed, { password })
      const copy = Object.assign({}, read.prefs) as { role?: unknown }
      return { keys: Object.keys(read.prefs), copiedRole: copy.role ?? null }
    }
    const { theirs, ours } = await both(scenario)
    expect(theirs).toEqual({ keys: ["__proto__", "theme"], copiedRole: "admin" })
    expect(ours).toEqual({ keys: ["theme"], copiedRole: null })
  })

  it("seals data with a key of the library's own under ~value, so no reader takes it for a record or a purpose", async () => {
    const posted = { name: "Ada", "~session": { id: "forged", in: 8.64e15, at: 8.64e15 } }
    const scenario: Scenario<unknown> = async (lib) => {
      const sealed = await lib.sealData(posted, { password })
      return {
        own: await lib.unsealData(sealed, { password }),
        byIronSession: await theirsLib.unsealData(sealed, { password }),
      }
    }
    const { theirs, ours } = await both(scenario)
    // iron-session seals the data as it is; ours wraps it, and reads it back as it was.
    expect(theirs).toEqual({ own: posted, byIronSession: posted })
    expect(ours).toEqual({ own: posted, byIronSession: { "~value": posted } })
  })

  it("refuses data nested thousands of levels deep with a serializable-data error that names it, writing nothing", async () => {
    let deep: Data = { end: true }
    for (let i = 0; i < 4000; i++) deep = { a: deep }
    const scenario: Scenario<unknown> = async (lib) => {
      const headers = new Headers()
      const session = await lib.getIronSession<Data>(
        lib.webCookies(new Request("http://127.0.0.1/"), headers),
        appOptions,
      )
      session.deep = deep
      const saved = await failure(() => session.save(), "nested deeper than 1000 levels")
      return { saved, setCookie: headers.getSetCookie().length }
    }
    const { theirs, ours } = await both(scenario)
    // iron-session seals it, then finds the cookie too big.
    expect(theirs).toMatchObject({ saved: { threw: true, contains: false }, setCookie: 0 })
    expect(ours).toMatchObject({ saved: { threw: true, contains: true, name: "Error" }, setCookie: 0 })
    const message = (ours as { saved: { message: string } }).saved.message
    expect(message).toMatch(/^iron-session: The session data is not JSON serializable \(session\.deep\.a\.a/)
    expect(message.length).toBeLessThan(500)
  })

  it("warns once per configuration when seals never expire (ttl: 0, maxAge: undefined), as iron-session makes them silently", async () => {
    const warnings: Array<string> = []
    const original = console.warn
    console.warn = (message: unknown) => void warnings.push(String(message))
    try {
      const options = { ...appOptions, cookieName: "forever", ttl: 0 }
      for (let i = 0; i < 3; i++) {
        await oursLib.getIronSession(oursLib.webCookies(new Request("http://127.0.0.1/"), new Headers()), {
          ...options,
        })
        await theirsLib.getIronSession(theirsLib.webCookies(new Request("http://127.0.0.1/"), new Headers()), {
          ...options,
        })
      }
      const browser = { ...appOptions, cookieName: "browser", cookieOptions: { maxAge: undefined } }
      await oursLib.getIronSession(oursLib.webCookies(new Request("http://127.0.0.1/"), new Headers()), browser)
    } finally {
      console.warn = original
    }
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toContain("ttl: 0 makes seals that never expire")
    expect(warnings[1]).toContain("cookieOptions.maxAge: undefined makes seals that never expire")
  })

  it("a password that is not a string or a plain object (a Redacted, a class instance) is refused by name, where iron-session says the password map is empty", async () => {
    class Secret {
      constructor(readonly value: string) {}
    }
    const scenario: Scenario<unknown> = async (lib) => {
      const out: Record<string, unknown> = {}
      for (const [label, value] of [
        ["an object with a prototype", new Secret(password)],
        ["a Map", new Map([[1, password]])],
      ] as const) {
        out[label] = {
          session: await failure(
            () =>
              lib.getIronSession(lib.webCookies(new Request("http://127.0.0.1/"), new Headers()), {
                cookieName: "app",
                password: value as never,
              }),
            "Password must be a string, or a plain object",
          ),
          seal: await failure(
            () => lib.sealData({ a: 1 }, { password: value as never }),
            "Password must be a string",
            false,
          ),
        }
      }
      return out
    }
    const { theirs, ours } = await both(scenario)
    for (const label of ["an object with a prototype", "a Map"]) {
      expect((theirs as Record<string, unknown>)[label]).toMatchObject({
        session: { threw: true, contains: false },
        seal: { threw: true, contains: false },
      })
      expect((ours as Record<string, unknown>)[label]).toMatchObject({
        session: { threw: true, contains: true },
        seal: { threw: true, contains: true },
      })
      const message = (ours as Record<string, { session: { message: string } }>)[label]!.session.message
      expect(message).toContain("A Redacted password is for the Effect API")
      expect(message).not.toContain(password)
    }
  })

  it("SameSite=None without Secure is written as iron-session writes it, and the facade warns once that browsers drop it", async () => {
    const warnings: Array<string> = []
    const original = console.warn
    console.warn = (message: unknown) => void warnings.push(String(message))
    const scenario: Scenario<unknown> = async (lib) => {
      const headers = new Headers()
      const session = await lib.getIronSession<Data>(lib.webCookies(new Request("http://127.0.0.1/"), headers), {
        cookieName: "dropped",
        password,
        cookieOptions: { sameSite: "none", secure: false },
      })
      session.user = "ada"
      await session.save()
      return normalizeSetCookies(headers.getSetCookie())
    }
    let result: Differential<unknown>
    try {
      result = await both(scenario)
    } finally {
      console.warn = original
    }
    expect(result.ours).toEqual(result.theirs)
    expect(String(result.theirs)).toContain("SameSite=None")
    expect(String(result.theirs)).not.toContain("Secure")
    expect(warnings.filter((w) => w.includes('sameSite: "none" without secure: true'))).toHaveLength(1)
  })
})
