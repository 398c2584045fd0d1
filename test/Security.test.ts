/**
 * The promises of SECURITY.md about sessions and seals, each written as the
 * attack it stops: the thief copies the cookie, keeps using it, the victim
 * signs out, the thief comes back later with the attacker's own copy and
 * clock. Time moves with TestClock; revocation is the in-memory store unless
 * a test makes one fail.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Layer, Option, Schema, TestClock } from "effect"
import { Errors, Revocation, Seal, Session } from "effect-iron-session"
import * as facade from "effect-iron-session/promise"
import * as ironSession from "iron-session"
import type { IronCrypto } from "../src/internal/crypto/types.js"
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
