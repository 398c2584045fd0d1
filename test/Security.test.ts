/**
 * The promises of SECURITY.md about sessions and seals, each written as the
 * attack it stops: the thief copies the cookie, keeps using it, the victim
 * signs out, the thief comes back later with the attacker's own copy and
 * clock. Time moves with TestClock; revocation is the in-memory store unless
 * a test makes one fail.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Layer, Option, Redacted, Schema, TestClock } from "effect"
import { CookieStore, Errors, Flash, Revocation, Seal, Session } from "effect-iron-session"
import * as facade from "effect-iron-session/promise"
import * as ironSession from "iron-session"
import type { IronCrypto } from "../src/internal/kernel/crypto/types.js"
import { request, value } from "./helpers/request.js"

const password = "a-password-that-is-at-least-32-characters-long"
const start = Date.parse("2026-12-07T10:00:00Z")

const User = Schema.Struct({ id: Schema.Number, name: Schema.String })
type User = typeof User.Type
const ada: User = { id: 1, name: "Ada" }

const make = (cookieName: string, options: Partial<Session.Options<User, User>> = {}) =>
  Session.make({ schema: User, cookieName, password, ...options })

/** Why the cookies were not a session, or a test failure when they were. */
const refusal = <A, E>(session: Session.Session<A, E>, cookies: ReadonlyMap<string, string>) =>
  Effect.map(request(Effect.all([session.get, session.rejection]), cookies), ({ result }) => {
    const [current, reason] = value(result)
    expect(current).toEqual(Option.none())
    return Option.getOrThrow(reason)
  })

/** Whether the cookies are a session now, with the cookies after the request (a refresh writes). */
const visit = <A, E>(session: Session.Session<A, E>, cookies: ReadonlyMap<string, string>) =>
  Effect.map(request(session.get, cookies), ({ result, store }) => ({
    current: value(result),
    cookies: new Map([...cookies, ...store.cookies]),
  }))

const storeDown: Revocation.Revocation = {
  check: () => Effect.fail(new Errors.RevocationUnavailableError({ store: "test", detail: "down" })),
  revokeSession: () => Effect.fail(new Errors.RevocationUnavailableError({ store: "test", detail: "down" })),
  revokeSubject: () => Effect.fail(new Errors.RevocationUnavailableError({ store: "test", detail: "down" })),
}

describe("a stolen copy of a rolling session", () => {
  const rolling = { idle: "30 minutes", refresh: "10 minutes" } as const

  for (const [name, extra] of [
    ["", {}],
    [" with an absolute lifetime", { absolute: "8 hours" }],
  ] as const) {
    it.effect(
      `stays refused after the victim signs out, even once the victim's own copy would have gone idle${name}`,
      () =>
        Effect.gen(function* () {
          yield* TestClock.setTime(start)
          const session = yield* make("stolen", { rolling: { ...rolling, ...extra }, revocation: {} })
          // t=0: the victim signs in; the thief copies the cookie.
          let victim = (yield* request(session.set(ada))).store.cookies
          let thief = new Map(victim)
          // t=10: the victim's copy is refreshed; t=15: the thief's is, later.
          yield* TestClock.adjust("10 minutes")
          victim = (yield* visit(session, victim)).cookies
          yield* TestClock.adjust("5 minutes")
          const refreshed = yield* visit(session, thief)
          expect(refreshed.current).toEqual(Option.some(ada))
          thief = refreshed.cookies
          // t=16: the victim signs out.
          yield* TestClock.adjust("1 minute")
          expect(Either.isRight((yield* request(session.destroy, victim)).result)).toBe(true)
          yield* TestClock.adjust("4 minutes")
          expect(yield* refusal(session, thief)).toMatchObject({ _tag: "SessionRevokedError", reason: "session" })
          // t=41: past the victim's copy's idle deadline (40), within the thief's (45).
          yield* TestClock.adjust("21 minutes")
          expect(yield* refusal(session, thief)).toMatchObject({ _tag: "SessionRevokedError", reason: "session" })
          // t=46: the thief's copy has gone idle too; nothing can bring it back.
          yield* TestClock.adjust("5 minutes")
          expect(yield* refusal(session, thief)).toMatchObject({ _tag: "SessionExpiredError", reason: "idle" })
        }).pipe(Effect.provide(Revocation.layerMemory)),
    )
  }

  it.effect("stays refused after the victim regenerates the session, past the victim's own idle deadline", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const session = yield* make("stolen_regen", { rolling, revocation: {} })
      let victim = (yield* request(session.set(ada))).store.cookies
      let thief = new Map(victim)
      yield* TestClock.adjust("10 minutes")
      victim = (yield* visit(session, victim)).cookies
      yield* TestClock.adjust("5 minutes")
      thief = (yield* visit(session, thief)).cookies
      yield* TestClock.adjust("1 minute")
      const regenerated = yield* request(session.regenerate, victim)
      expect(Either.isRight(regenerated.result)).toBe(true)
      yield* TestClock.adjust("25 minutes")
      expect(yield* refusal(session, thief)).toMatchObject({ _tag: "SessionRevokedError", reason: "session" })
    }).pipe(Effect.provide(Revocation.layerMemory)),
  )
})

describe("a cookie sealed before the lifecycle was on", () => {
  it.effect("written by iron-session, is held to the idle timeout from when it was sealed", () =>
    Effect.gen(function* () {
      const now = Date.now()
      const legacy = yield* Effect.promise(() => ironSession.sealData(ada, { password }))
      yield* TestClock.setTime(now)
      const session = yield* make("legacy_idle", {
        rolling: { idle: "30 minutes", absolute: "8 hours" },
        revocation: {},
      })
      const cookies = new Map([["legacy_idle", legacy]])
      expect((yield* visit(session, cookies)).current).toEqual(Option.some(ada))
      yield* TestClock.adjust("31 minutes")
      expect(yield* refusal(session, cookies)).toMatchObject({ _tag: "SessionExpiredError", reason: "idle" })
    }).pipe(Effect.provide(Revocation.layerMemory)),
  )

  it.effect("is revoked for every copy when the victim signs out with one of them", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const legacy = yield* Seal.seal(ada, { password })
      const session = yield* make("legacy_revoked", { rolling: { idle: "30 minutes" }, revocation: {} })
      const victim = new Map([["legacy_revoked", legacy]])
      const thief = new Map(victim)
      yield* TestClock.adjust("5 minutes")
      expect(Either.isRight((yield* request(session.destroy, victim)).result)).toBe(true)
      expect(yield* refusal(session, thief)).toMatchObject({ _tag: "SessionRevokedError", reason: "session" })
    }).pipe(Effect.provide(Revocation.layerMemory)),
  )

  it.effect(
    "gets no new lifetime from the thief's first write: its absolute deadline counts from when it was sealed",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const legacy = yield* Seal.seal(ada, { password })
        const session = yield* make("legacy_lifetime", {
          rolling: { idle: "30 minutes", absolute: "1 hour" },
          revocation: {},
        })
        yield* TestClock.adjust("20 minutes")
        let thief = (yield* request(session.set(ada), new Map([["legacy_lifetime", legacy]]))).store.cookies
        // Kept alive by a write every 20 minutes, it still ends an hour after it was sealed.
        yield* TestClock.adjust("20 minutes")
        thief = (yield* request(session.set(ada), thief)).store.cookies
        yield* TestClock.adjust("20 minutes")
        expect(yield* refusal(session, thief)).toMatchObject({
          _tag: "SessionExpiredError",
          reason: "absolute",
          expiredAt: new Date(start + 3_600_000),
        })
      }).pipe(Effect.provide(Revocation.layerMemory)),
  )

  it.effect("is never fresh enough for a sensitive action, until the user signs in again", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const session = yield* make("legacy_fresh", { track: true })
      const cookies = new Map([["legacy_fresh", yield* Seal.seal(ada, { password })]])
      const { result } = yield* request(session.requireFresh("1 hour"), cookies)
      expect(Either.isLeft(result) && result.left._tag).toBe("SessionNotFreshError")
      const signedIn = yield* request(session.regenerate, cookies)
      const again = yield* request(session.requireFresh("1 hour"), signedIn.store.cookies)
      expect(Either.isRight(again.result)).toBe(true)
    }),
  )
})

describe("signing out while the revocation store is down", () => {
  it.effect(
    "fails with RevocationUnavailableError after clearing the cookie, so the thief's copy is not silently kept",
    () =>
      Effect.gen(function* () {
        const signIn = yield* make("down_destroy", { revocation: {} }).pipe(Effect.provide(Revocation.layerMemory))
        const victim = (yield* request(signIn.set(ada))).store.cookies
        const session = yield* make("down_destroy", { revocation: {} }).pipe(
          Effect.provide(Layer.succeed(Revocation.Revocation, storeDown)),
        )
        const out = yield* request(session.destroy, victim)
        expect(Either.isLeft(out.result) && out.result.left._tag).toBe("RevocationUnavailableError")
        // The victim's browser is signed out all the same.
        expect(out.store.cookies.size).toBe(0)
        expect(out.store.setCookieHeaders[0]).toContain("Max-Age=0")
      }),
  )

  it.effect(
    "fails regenerate with RevocationUnavailableError when the store cannot take the old id, after writing the new session",
    () =>
      Effect.gen(function* () {
        // Lookups still answer; revocations fail.
        const memory = yield* Revocation.makeMemory
        const revokesDown: Revocation.Revocation = { ...storeDown, check: memory.check }
        const open = yield* make("down_regen", { revocation: { onUnavailable: "fail-open" } }).pipe(
          Effect.provide(Layer.succeed(Revocation.Revocation, revokesDown)),
        )
        const planted = (yield* request(open.set(ada))).store.cookies
        expect(Either.isRight((yield* request(open.regenerate, planted)).result)).toBe(true)
        const closed = yield* make("down_regen", { revocation: {} }).pipe(
          Effect.provide(Layer.succeed(Revocation.Revocation, revokesDown)),
        )
        const out = yield* request(closed.regenerate, planted)
        expect(Either.isLeft(out.result) && out.result.left._tag).toBe("RevocationUnavailableError")
        // The new session is written: the user is signed in under a new id, and the app knows the old one lives on.
        expect(out.store.cookies.get("down_regen")).toBeDefined()
        expect(out.store.cookies.get("down_regen")).not.toBe(planted.get("down_regen"))
      }),
  )
})

describe("reserved keys in the data", () => {
  it.effect("a ~purpose key in data sealed without a purpose does not open under a purpose-bound reader", () =>
    Effect.gen(function* () {
      const forged = yield* Seal.seal({ "~purpose": "magic-link", email: "mallory@example.com" }, { password })
      const exit = yield* Effect.either(Seal.unseal(forged, { password, purpose: "magic-link" }))
      expect(Either.isLeft(exit) && exit.left).toMatchObject({ _tag: "BadSealError", reason: "purpose" })
      // Without a purpose the data comes back as it was sealed, reserved key and all.
      expect(yield* Seal.unseal(forged, { password })).toEqual({
        "~purpose": "magic-link",
        email: "mallory@example.com",
      })
    }),
  )

  it.effect("a ~value key in data does not replace the data when it is opened", () =>
    Effect.gen(function* () {
      const data = { "~value": "admin", name: "Mallory" }
      expect(yield* Seal.unseal(yield* Seal.seal(data, { password }), { password })).toEqual(data)
    }),
  )

  it.effect("a ~session key copied from a request body into a facade session is not read as the library's record", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      // The facade app does `Object.assign(session, body)`; the body carries a forged record.
      const body = { id: 1, name: "Ada", "~session": { id: "forged", in: 8.64e15, at: 8.64e15 } }
      const cookie = yield* Effect.promise(async () => {
        const jar = new Map<string, string>()
        const store = {
          get: (name: string) => (jar.has(name) ? { name, value: jar.get(name)! } : undefined),
          set: (name: string, v: string) => void jar.set(name, v),
        }
        const session = await facade.getIronSession<Record<string, unknown>>(store as never, {
          password,
          cookieName: "mixed",
        })
        Object.assign(session, body)
        await session.save()
        return jar.get("mixed")!
      })
      const session = yield* make("mixed", { track: true })
      const cookies = new Map([["mixed", cookie]])
      const { result } = yield* request(session.requireFresh("1 hour"), cookies)
      // The record is the cookie's own (from its MAC), never the forged one.
      expect(Either.isLeft(result) && result.left._tag).toBe("SessionNotFreshError")
      const id = yield* Effect.map(request(session.id, cookies), ({ result }) => Option.getOrThrow(value(result)))
      expect(id).not.toBe("forged")
      expect(id.startsWith("seal.")).toBe(true)
      // The facade reads its own data back intact.
      const back = yield* Effect.promise(() => facade.unsealData<Record<string, unknown>>(cookie, { password }))
      expect(back).toEqual(body)
    }),
  )
})

describe("ttl and lifecycle together", () => {
  it.effect("revocation with seals that never expire and no timeouts is refused when the layer is built", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(make("forever", { ttl: Duration.infinity, revocation: {} }))
      expect(error).toMatchObject({ _tag: "InvalidOptionError", option: "ttl" })
      expect(error.message).toContain("Give a ttl")
    }).pipe(Effect.provide(Revocation.layerMemory)),
  )

  it.effect(
    "a ttl given beside rolling caps every seal: a 1-hour ttl with a 7-day lifetime is refused 3 days later",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const session = yield* make("capped", { ttl: "1 hour", rolling: { absolute: "7 days" } })
        const signIn = yield* request(session.set(ada))
        // The cookie, too, lives no longer than the ttl (less iron's skew).
        expect(signIn.store.setCookieHeaders[0]).toContain("Max-Age=3540;")
        yield* TestClock.adjust("3 days")
        expect(yield* refusal(session, signIn.store.cookies)).toMatchObject({
          _tag: "SealExpiredError",
          expiredAt: new Date(start + 3_600_000),
        })
      }),
  )
})

describe("the hot-seal cache", () => {
  it.effect("a valid cookie sent with ever-new ~ suffixes does not push other users' seals out of the cache", () => {
    let opens = 0
    const base = Seal.backends.webcrypto as unknown as IronCrypto
    const counting: IronCrypto = {
      ...base,
      open: (...args) => {
        opens++
        return base.open(...args)
      },
    }
    return Effect.gen(function* () {
      const session = yield* make("cached", { cache: { entries: 2 } })
      const alice = (yield* request(session.set(ada))).store.cookies
      const mallory = (yield* request(session.set({ id: 2, name: "Mallory" }))).store.cookies
      yield* visit(session, alice)
      yield* visit(session, mallory)
      const before = opens
      // One valid seal, many suffixes: outside the MAC, so one cookie for the cache.
      for (let i = 0; i < 10; i++) {
        yield* visit(session, new Map([["cached", `${mallory.get("cached")!.split("~")[0]}~${i}`]]))
      }
      yield* visit(session, alice)
      expect(opens).toBe(before)
    }).pipe(Effect.provideService(Seal.CryptoBackend, counting as unknown as Seal.Backend))
  })
})

describe("two tenants on one cookie name", () => {
  /** One facade request over a plain cookie jar: what the session holds, after `act` saved into it. */
  const tenantVisit = async (
    jar: Map<string, string>,
    options: facade.SessionOptions,
    act?: (session: Record<string, unknown> & { save(): Promise<void> }) => Promise<void>,
  ) => {
    const store = {
      get: (name: string) => (jar.has(name) ? { name, value: jar.get(name)! } : undefined),
      set: (name: string, v: string) => void jar.set(name, v),
    }
    const session = await facade.getIronSession<Record<string, unknown>>(store as never, options)
    await act?.(session)
    return { ...session }
  }
  const passwordA = "tenant-a-password-that-is-32-characters-long"
  const passwordB = "tenant-b-password-that-is-32-characters-long"

  it("a cookie sealed under tenant A's Redacted password is never read as a session under tenant B's", async () => {
    const jar = new Map<string, string>()
    const asA = { cookieName: "tenant", password: Redacted.make(passwordA) as never }
    const asB = { cookieName: "tenant", password: Redacted.make(passwordB) as never }
    const saved = tenantVisit(jar, asA, async (session) => {
      session.user = "alice@a.example"
      await session.save()
    })
    // Refused by name, before any cookie is written, and without the password in the message.
    await expect(saved).rejects.toThrow(/A Redacted password is for the Effect API/)
    await expect(saved).rejects.not.toThrow(passwordA)
    expect(jar.size).toBe(0)
    // Had tenant A's cookie been written, tenant B must not read it: B is refused the same way.
    jar.set("tenant", await facade.sealData({ user: "alice@a.example" }, { password: passwordA }))
    await expect(tenantVisit(jar, asB)).rejects.toThrow(/A Redacted password/)
    await expect(facade.sealData({ user: "x" }, { password: Redacted.make(passwordA) as never })).rejects.toThrow(
      /A Redacted password/,
    )
    await expect(
      facade.unsealData(jar.get("tenant")!, { password: Redacted.make(passwordB) as never }),
    ).rejects.toThrow(/A Redacted password/)
  })

  it("tenant A's cookie is an empty session under tenant B's password, even with identical options otherwise", async () => {
    const jar = new Map<string, string>()
    await tenantVisit(jar, { cookieName: "tenant", password: passwordA }, async (session) => {
      session.user = "alice@a.example"
      await session.save()
    })
    expect(await tenantVisit(jar, { cookieName: "tenant", password: passwordA })).toEqual({ user: "alice@a.example" })
    expect(await tenantVisit(jar, { cookieName: "tenant", password: passwordB })).toEqual({})
    expect(await tenantVisit(jar, { cookieName: "tenant", password: { 1: passwordB } })).toEqual({})
    expect(await tenantVisit(jar, { cookieName: "tenant", password: { 2: passwordA } })).toEqual({})
    expect(await facade.unsealData(jar.get("tenant")!, { password: passwordB })).toEqual({})
    expect(await facade.unsealData(jar.get("tenant")!, { password: { 1: passwordA } })).toEqual({
      user: "alice@a.example",
    })
  })
})

describe("SameSite=None without Secure", () => {
  const dropped = { sameSite: "none", secure: false } as const

  /** How an effect failed, as plain fields; `"succeeded"` when it did not (never the built value, which is no test's to print). */
  const refusal = <A>(effect: Effect.Effect<A, { _tag: string; message: string }>) =>
    Effect.map(Effect.either(effect), (result) =>
      Either.isLeft(result)
        ? { _tag: result.left._tag, option: (result.left as { option?: unknown }).option, message: result.left.message }
        : "succeeded",
    )

  it.effect("is refused when a session, flash or cookie store write is built, since browsers drop the cookie", () =>
    Effect.gen(function* () {
      const session = yield* refusal(make("cross-site", { cookieOptions: dropped }))
      expect(session).toMatchObject({ _tag: "InvalidOptionError", option: "cookieOptions.secure" })
      expect(typeof session === "object" && session.message).toContain("browsers drop it")
      const flash = yield* refusal(
        Flash.make({ schema: Schema.String, cookieName: "notice", password, cookieOptions: dropped }),
      )
      expect(flash).toMatchObject({ _tag: "InvalidOptionError", option: "cookieOptions.secure" })
      const store = yield* CookieStore.CookieStore
      const write = yield* refusal(store.set("raw", "v", { sameSite: "none" }))
      expect(write).toMatchObject({ _tag: "InvalidOptionError", option: "cookieOptions.secure" })
      // With Secure it is a valid cross-site cookie.
      const ok = yield* make("cross-site", { cookieOptions: { sameSite: "none" } })
      const { store: after } = yield* request(ok.set(ada))
      expect(after.setCookieHeaders[0]).toContain("Secure; SameSite=None")
    }).pipe(Effect.provide(CookieStore.layerMemory())),
  )

  it("is written by the facade as iron-session writes it, with a warning once per configuration", async () => {
    const warnings: Array<string> = []
    const original = console.warn
    console.warn = (message: unknown) => void warnings.push(String(message))
    const headers: Array<Array<string>> = []
    try {
      for (const lib of [facade, ironSession, facade, facade]) {
        const out = new Headers()
        const session = await lib.getIronSession<Record<string, unknown>>(
          lib.webCookies(new Request("http://127.0.0.1/"), out),
          { cookieName: "cross-site", password, cookieOptions: { ...dropped } },
        )
        session.user = "ada"
        await session.save()
        headers.push(out.getSetCookie().map((h) => h.replace(/=Fe26\.2[^;]*/, "=<seal>")))
      }
    } finally {
      console.warn = original
    }
    expect(headers[0]).toEqual(headers[1])
    expect(headers[0]?.[0]).toContain("SameSite=None")
    expect(headers[0]?.[0]).not.toContain("Secure")
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('sameSite: "none" without secure: true makes a cookie browsers drop')
  })
})
