/**
 * Beyond iron-session: rolling sessions, freshness, revocation (in memory and
 * on a real Redis, which goes away mid-run), regeneration, purpose-bound
 * seals, metrics and spans. Time moves with TestClock.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import {
  Clock,
  Duration,
  Effect,
  Either,
  Layer,
  Logger,
  Metric,
  MetricLabel,
  Option,
  Schedule,
  Schema,
  TestClock,
  Tracer,
} from "effect"
import { type CookieStore, Errors, Revocation, Seal, Session } from "effect-iron-session"
import * as facade from "effect-iron-session/promise"
import { layerRedis } from "effect-iron-session/Redis"
import * as ironSession from "iron-session"
import { metrics } from "../src/internal/engine.js"
import type { IronCrypto } from "../src/internal/kernel/crypto/types.js"
import * as iron from "../src/internal/kernel/iron.js"
import { type RedisServer, redisServerAvailable, startRedisServer } from "./helpers/redis.js"
import { request, value } from "./helpers/request.js"

const password = "a-password-that-is-at-least-32-characters-long"

const User = Schema.Struct({ id: Schema.Number, name: Schema.String })
type User = typeof User.Type
const ada: User = { id: 1, name: "Ada" }

/** The record a session keeps in its seal (`~session` beside the data), whatever the time. */
const sealer = iron.makeSealer(Seal.backends.webcrypto as unknown as IronCrypto, { password }) as iron.Sealer
const recordIn = (cookie: string | undefined) =>
  Effect.map(
    Effect.promise(async () => iron.openSealed(sealer, cookie ?? "", 0, false)),
    ({ record }) => record && { id: record.id, in: record.signedInAt, at: record.writtenAt },
  )

describe("a rolling session", () => {
  class Rolling extends Session.Tag<Rolling>()("test/Rolling", {
    schema: User,
    cookieName: "roll",
    password,
    rolling: { idle: "30 minutes", absolute: "8 hours", refresh: "10 minutes" },
  }) {}

  it.effect("writes nothing on a read before its refresh interval, and one refresh after it", () =>
    Effect.gen(function* () {
      const signIn = yield* request(Rolling.set(ada))
      expect(signIn.store.setCookieHeaders).toHaveLength(1)
      // The cookie lives until the absolute deadline (8 h), so an idle browser still sends it and learns why.
      expect(signIn.store.setCookieHeaders[0]).toContain("Max-Age=28800;")

      yield* TestClock.adjust("9 minutes")
      const early = yield* request(Effect.all([Rolling.get, Rolling.get]), signIn.store.cookies)
      expect(value(early.result)).toEqual([Option.some(ada), Option.some(ada)])
      expect(early.store.setCookieHeaders).toEqual([])

      yield* TestClock.adjust("2 minutes")
      const late = yield* request(Effect.all([Rolling.get, Rolling.get, Rolling.get]), signIn.store.cookies)
      expect(value(late.result)).toEqual([Option.some(ada), Option.some(ada), Option.some(ada)])
      expect(late.store.setCookieHeaders).toHaveLength(1)
      expect(late.store.setCookieHeaders[0]).toContain(`Max-Age=${8 * 3600 - 11 * 60};`)
      const before = yield* recordIn(signIn.store.cookies.get("roll"))
      const after = yield* recordIn(late.store.cookies.get("roll"))
      expect(after).toEqual({ id: before?.id, in: before?.in, at: (before?.at ?? 0) + 11 * 60_000 })
    }).pipe(Effect.provide(Rolling.layer)),
  )

  it.effect("ends after its idle timeout without a write, with the reason idle", () =>
    Effect.gen(function* () {
      const signIn = yield* request(Rolling.set(ada))
      yield* TestClock.adjust(Duration.millis(30 * 60_000 - 1))
      const justIn = yield* request(Rolling.get, signIn.store.cookies)
      expect(value(justIn.result)).toEqual(Option.some(ada))
      yield* TestClock.adjust("1 millis")
      const out = yield* request(Effect.all([Rolling.get, Rolling.rejection]), signIn.store.cookies)
      const [current, reason] = value(out.result)
      expect(current).toEqual(Option.none())
      expect(Option.getOrThrow(reason)).toMatchObject({ _tag: "SessionExpiredError", reason: "idle" })
    }).pipe(Effect.provide(Rolling.layer)),
  )

  it.effect("keeps an active user signed in, never past the absolute lifetime from sign-in", () =>
    Effect.gen(function* () {
      let cookies = (yield* request(Rolling.set(ada))).store.cookies
      const signedIn = (yield* recordIn(cookies.get("roll")))?.in ?? 0
      // A request every 20 minutes: each one past the refresh interval writes again.
      for (let minutes = 20; minutes < 8 * 60; minutes += 20) {
        yield* TestClock.adjust("20 minutes")
        const visit = yield* request(Rolling.get, cookies)
        expect(value(visit.result)).toEqual(Option.some(ada))
        cookies = visit.store.cookies
      }
      // The last write, 7h40 after sign-in, sealed until the absolute deadline, not idle-later.
      const last = yield* recordIn(cookies.get("roll"))
      expect(last?.in).toBe(signedIn)
      yield* TestClock.adjust("20 minutes")
      const ended = yield* request(Effect.all([Rolling.get, Rolling.rejection]), cookies)
      const [current, reason] = value(ended.result)
      expect(current).toEqual(Option.none())
      expect(Option.getOrThrow(reason)).toMatchObject({
        _tag: "SessionExpiredError",
        reason: "absolute",
        expiredAt: new Date(signedIn + 8 * 3_600_000),
      })
    }).pipe(Effect.provide(Rolling.layer)),
  )

  it.effect("gives the cookie a Max-Age that stops at the absolute deadline", () =>
    Effect.gen(function* () {
      let cookies = (yield* request(Rolling.set(ada))).store.cookies
      // A request every 20 minutes until ten minutes before the absolute deadline.
      for (let minutes = 20; minutes <= 7 * 60 + 40; minutes += 20) {
        yield* TestClock.adjust("20 minutes")
        cookies = (yield* request(Rolling.get, cookies)).store.cookies
      }
      yield* TestClock.adjust("10 minutes")
      const visit = yield* request(Rolling.set({ ...ada, name: "Ada L." }), cookies)
      // Ten minutes left of eight hours.
      expect(visit.store.setCookieHeaders.at(-1)).toContain("Max-Age=600;")
    }).pipe(Effect.provide(Rolling.layer)),
  )

  it.effect("seals with its deadline, so iron-session too refuses it once ended", () =>
    Effect.gen(function* () {
      const signIn = yield* request(Rolling.set(ada))
      const sealed = signIn.store.cookies.get("roll") ?? ""
      const expiration = Number(sealed.split("*")[5])
      expect(expiration).toBe((yield* recordIn(sealed))!.at + 30 * 60_000)
    }).pipe(Effect.provide(Rolling.layer)),
  )

  it.effect(
    "reads a cookie from before rolling was on within its idle timeout from when it was sealed, and keeps that sign-in on the next write",
    () =>
      Effect.gen(function* () {
        // Sealed with the session's ttl (iron-session's 14 days), so its write time is its expiration less the ttl.
        const legacy = yield* Seal.seal(ada, { password })
        const sealedAt = yield* Clock.currentTimeMillis
        const cookies = new Map([["roll", legacy]])
        yield* TestClock.adjust("5 minutes")
        const read = yield* request(Rolling.get, cookies)
        expect(value(read.result)).toEqual(Option.some(ada))
        expect(read.store.setCookieHeaders).toEqual([])
        const written = yield* request(Rolling.set(ada), cookies)
        // The record the write gives it starts no new lifetime: signed in when it was sealed.
        expect(yield* recordIn(written.store.cookies.get("roll"))).toMatchObject({
          id: expect.stringMatching(/^seal\./),
          in: sealedAt,
        })
        yield* TestClock.adjust("26 minutes")
        const idle = yield* request(Rolling.rejection, cookies)
        expect(Option.getOrThrow(value(idle.result))).toMatchObject({ _tag: "SessionExpiredError", reason: "idle" })
      }).pipe(Effect.provide(Rolling.layer)),
  )

  it.effect("refuses rolling options that cannot work when the layer is built", () =>
    Effect.gen(function* () {
      const make = (rolling: Session.Options<User, User>["rolling"]) =>
        Effect.flip(Session.make({ schema: User, cookieName: "r", password, rolling }))
      expect(yield* make({})).toMatchObject({ _tag: "InvalidOptionError", option: "rolling" })
      expect(yield* make({ idle: "10 minutes", refresh: "10 minutes" })).toMatchObject({
        option: "rolling.refresh",
      })
      expect(yield* make({ idle: "0 minutes" })).toMatchObject({ option: "rolling.idle" })
      expect(yield* make({ absolute: Duration.infinity })).toMatchObject({ option: "rolling.absolute" })
    }),
  )
})

describe("freshness", () => {
  class Tracked extends Session.Tag<Tracked>()("test/Tracked", {
    schema: User,
    cookieName: "tracked",
    password,
    track: true,
  }) {}
  class Untracked extends Session.Tag<Untracked>()("test/Untracked", {
    schema: User,
    cookieName: "untracked",
    password,
  }) {}

  it.effect("reads the time of sign-in, and refuses a sensitive action once it is too long ago", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2026-11-27T10:00:00Z"))
      const signIn = yield* request(Tracked.set(ada))
      yield* TestClock.adjust("9 minutes")
      const soon = yield* request(
        Effect.all([Tracked.signedInAt, Tracked.requireFresh("10 minutes")]),
        signIn.store.cookies,
      )
      expect(value(soon.result)).toEqual([Option.some(new Date("2026-11-27T10:00:00Z")), undefined])
      // A write later keeps the sign-in time.
      const edit = yield* request(
        Tracked.update(() => ({ ...ada, name: "Ada L." })),
        signIn.store.cookies,
      )
      yield* TestClock.adjust("2 minutes")
      const late = yield* request(Tracked.requireFresh("10 minutes"), edit.store.cookies)
      expect(Either.getLeft(late.result)).toEqual(
        Option.some(
          expect.objectContaining({
            _tag: "SessionNotFreshError",
            signedInAt: new Date("2026-11-27T10:00:00Z"),
            maxAgeMillis: 600_000,
          }),
        ),
      )
    }).pipe(Effect.provide(Tracked.layer)),
  )

  it.effect("is never fresh without a session, or without a record of the sign-in", () =>
    Effect.gen(function* () {
      const none = yield* request(Tracked.requireFresh("1 hour"))
      expect(Either.getLeft(none.result)).toEqual(
        Option.some(expect.objectContaining({ _tag: "SessionNotFreshError" })),
      )
      const signIn = yield* request(Untracked.set(ada))
      const untracked = yield* request(
        Effect.all([Untracked.signedInAt, Effect.either(Untracked.requireFresh("1 hour"))]),
        signIn.store.cookies,
      )
      const [at, fresh] = value(untracked.result)
      expect(at).toEqual(Option.none())
      const notFresh = Option.getOrThrow(Either.getLeft(fresh))
      expect(notFresh._tag).toBe("SessionNotFreshError")
      expect(notFresh.signedInAt).toBeUndefined()
      // An untracked session's cookie is exactly iron-session's: no record beside the data.
      expect(yield* recordIn(signIn.store.cookies.get("untracked"))).toBeUndefined()
    }).pipe(Effect.provide(Layer.mergeAll(Tracked.layer, Untracked.layer))),
  )
})

describe("revocation", () => {
  class Auth extends Session.Tag<Auth>()("test/RevokedAuth", {
    schema: User,
    cookieName: "auth",
    password,
    revocation: { subject: (user) => String(user.id) },
  }) {}

  // Each test gets a store of its own, so no revocation leaks between them.
  const fresh = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.provide(effect, Auth.layer.pipe(Layer.provide(Revocation.layerMemory)))

  it.effect("revokes a session's id on destroy: a copy of its cookie is refused afterwards", () =>
    fresh(
      Effect.gen(function* () {
        const signIn = yield* request(Auth.set(ada))
        const stolen = signIn.store.cookies
        const signOut = yield* request(Auth.destroy, stolen)
        expect(signOut.store.cookies.size).toBe(0)
        const replayed = yield* request(Effect.all([Auth.get, Auth.rejection]), stolen)
        const [current, reason] = value(replayed.result)
        expect(current).toEqual(Option.none())
        expect(Option.getOrThrow(reason)).toMatchObject({ _tag: "SessionRevokedError", reason: "session" })
      }),
    ),
  )

  it.effect("signs out everywhere: every session of the subject signed in before now, and not a later sign-in", () =>
    fresh(
      Effect.gen(function* () {
        const laptop = (yield* request(Auth.set(ada))).store.cookies
        const phone = (yield* request(Auth.set(ada))).store.cookies
        const other = (yield* request(Auth.set({ id: 2, name: "Grace" }))).store.cookies
        yield* TestClock.adjust("1 minute")
        const everywhere = yield* request(Auth.signOutEverywhere, laptop)
        expect(everywhere.store.cookies.size).toBe(0)
        const onPhone = yield* request(Effect.all([Auth.get, Auth.rejection]), phone)
        expect(value(onPhone.result)[0]).toEqual(Option.none())
        expect(Option.getOrThrow(value(onPhone.result)[1])).toMatchObject({ reason: "subject" })
        const grace = yield* request(Auth.get, other)
        expect(value(grace.result)).toEqual(Option.some({ id: 2, name: "Grace" }))
        yield* TestClock.adjust("1 millis")
        const again = yield* request(Auth.set(ada))
        const later = yield* request(Auth.get, again.store.cookies)
        expect(value(later.result)).toEqual(Option.some(ada))
      }),
    ),
  )

  it.effect("regenerates the id at sign-in: the cookie from before it cannot be used after", () =>
    fresh(
      Effect.gen(function* () {
        const planted = (yield* request(Auth.set({ id: 0, name: "anonymous" }))).store.cookies
        const signIn = yield* request(Effect.zipRight(Auth.set(ada), Auth.regenerate), planted)
        const before = yield* recordIn(planted.get("auth"))
        const after = yield* recordIn(signIn.store.cookies.get("auth"))
        expect(after?.id).not.toBe(before?.id)
        const replayed = yield* request(Auth.rejection, planted)
        expect(Option.getOrThrow(value(replayed.result))).toMatchObject({ reason: "session" })
        const now = yield* request(Auth.get, signIn.store.cookies)
        expect(value(now.result)).toEqual(Option.some(ada))
      }),
    ),
  )

  it.effect(
    "fails closed when the store cannot be reached: the session reads as rejected, with a reason of its own",
    () =>
      Effect.gen(function* () {
        const down: Revocation.Revocation = {
          check: () => Effect.fail(new Errors.RevocationUnavailableError({ store: "test", detail: "down" })),
          revokeSession: () => Effect.fail(new Errors.RevocationUnavailableError({ store: "test", detail: "down" })),
          revokeSubject: () => Effect.fail(new Errors.RevocationUnavailableError({ store: "test", detail: "down" })),
        }
        class Closed extends Session.Tag<Closed>()("test/Closed", {
          schema: User,
          cookieName: "auth",
          password,
          revocation: {},
        }) {}
        class Open extends Session.Tag<Open>()("test/Open", {
          schema: User,
          cookieName: "auth",
          password,
          revocation: { onUnavailable: "fail-open" },
        }) {}
        const cookies = new Map([["auth", yield* Seal.seal(ada, { password })]])
        const logs: Array<unknown> = []
        const logger = Logger.make(({ message, logLevel }) => void logs.push([logLevel.label, message]))
        const read = yield* request(Effect.all([Closed.get, Closed.rejection, Open.get]), cookies).pipe(
          Effect.provide(
            Layer.mergeAll(Closed.layer, Open.layer).pipe(Layer.provide(Layer.succeed(Revocation.Revocation, down))),
          ),
          Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        )
        const [closed, reason, open] = value(read.result)
        expect(closed).toEqual(Option.none())
        expect(Option.getOrThrow(reason)).toMatchObject({ _tag: "RevocationUnavailableError", store: "test" })
        expect(open).toEqual(Option.some(ada))
        expect(logs).toContainEqual([
          "WARN",
          ["revocation store unavailable: session used without the check (fail-open)"],
        ])
      }),
  )
})

describe.runIf(redisServerAvailable())("revocation on a real Redis", () => {
  let redis: RedisServer
  beforeAll(async () => {
    redis = await startRedisServer()
  }, 30_000)
  afterAll(async () => {
    await redis?.stop()
  })

  class Auth extends Session.Tag<Auth>()("test/RedisAuth", {
    schema: User,
    cookieName: "auth",
    password,
    revocation: { subject: (user) => String(user.id) },
  }) {}
  class OpenAuth extends Session.Tag<OpenAuth>()("test/RedisOpenAuth", {
    schema: User,
    cookieName: "auth",
    password,
    revocation: { subject: (user) => String(user.id), onUnavailable: "fail-open" },
  }) {}

  it.live(
    "signs out everywhere across two app instances, and keeps its policy while Redis is away",
    () =>
      Effect.gen(function* () {
        const store = layerRedis({ url: redis.url })
        // Two app instances: each builds its own sessions over its own connection.
        const instance = Layer.mergeAll(Auth.layer, OpenAuth.layer).pipe(Layer.provide(store))
        const [one, two] = yield* Effect.all([Layer.toRuntime(instance), Layer.toRuntime(instance)])
        const onOne = <A, E>(
          e: Effect.Effect<A, E, Auth | OpenAuth | CookieStore.CookieStore>,
          c?: ReadonlyMap<string, string>,
        ) => request(e, c).pipe(Effect.provide(one))
        const onTwo = <A, E>(
          e: Effect.Effect<A, E, Auth | OpenAuth | CookieStore.CookieStore>,
          c?: ReadonlyMap<string, string>,
        ) => request(e, c).pipe(Effect.provide(two))

        const id = Date.now()
        const user = { id, name: "Ada" }
        const laptop = (yield* onOne(Auth.set(user))).store.cookies
        const phone = (yield* onTwo(Auth.set(user))).store.cookies
        yield* Effect.sleep("5 millis")
        yield* onOne(Auth.signOutEverywhere, laptop)
        const onPhone = yield* onTwo(Auth.rejection, phone)
        expect(Option.getOrThrow(value(onPhone.result))).toMatchObject({
          _tag: "SessionRevokedError",
          reason: "subject",
        })

        // A fresh sign-in, then Redis goes away: fail-closed refuses, fail-open lets it in.
        yield* Effect.sleep("5 millis")
        const again = (yield* onTwo(Auth.set(user))).store.cookies
        yield* Effect.promise(() => redis.stop())
        const closed = yield* onTwo(Effect.all([Auth.get, Auth.rejection]), again)
        expect(value(closed.result)[0]).toEqual(Option.none())
        expect(Option.getOrThrow(value(closed.result)[1])).toMatchObject({ _tag: "RevocationUnavailableError" })
        const open = yield* onTwo(OpenAuth.get, again)
        expect(value(open.result)).toEqual(Option.some(user))

        // Redis is back: the session reads again, without rebuilding anything.
        yield* Effect.promise(() => redis.start())
        const back = yield* Effect.retry(
          Effect.flatMap(onTwo(Auth.get, again), ({ result }) =>
            Option.isSome(value(result)) ? Effect.succeed(value(result)) : Effect.fail("not yet"),
          ),
          { times: 60, schedule: Schedule.spaced("50 millis") },
        )
        expect(back).toEqual(Option.some(user))
      }).pipe(Effect.scoped),
    60_000,
  )
})

describe("purpose-bound seals", () => {
  class Auth extends Session.Tag<Auth>()("test/BoundAuth", {
    schema: Schema.Struct({ userId: Schema.Number }),
    cookieName: "auth",
    password,
    purpose: true,
  }) {}

  it.effect("opens a seal only for the purpose it was made for", () =>
    Effect.gen(function* () {
      const token = yield* Seal.seal({ userId: 42 }, { password, purpose: "magic-link" })
      expect(yield* Seal.unseal(token, { password, purpose: "magic-link" })).toEqual({ userId: 42 })
      for (const purpose of [undefined, "email-confirmation"]) {
        const error = yield* Effect.flip(Seal.unseal(token, { password, purpose }))
        expect(error).toMatchObject({ _tag: "BadSealError", reason: "purpose" })
        expect(error.message).toContain("another purpose")
      }
      const plain = yield* Seal.seal({ userId: 42 }, { password })
      expect(yield* Effect.flip(Seal.unseal(plain, { password, purpose: "magic-link" }))).toMatchObject({
        reason: "purpose",
      })
    }),
  )

  it.effect("refuses a magic-link token pasted into the session cookie, bound or not", () =>
    Effect.gen(function* () {
      const bound = yield* Seal.seal({ userId: 42 }, { password, purpose: "magic-link" })
      const unbound = yield* Seal.seal({ userId: 42 }, { password })
      for (const token of [bound, unbound]) {
        const read = yield* request(Effect.all([Auth.get, Auth.rejection]), new Map([["auth", token]]))
        const [current, reason] = value(read.result)
        expect(current).toEqual(Option.none())
        expect(Option.getOrThrow(reason)).toMatchObject({ _tag: "BadSealError", reason: "purpose" })
      }
      // Its own cookie, bound to its name, reads back.
      const signIn = yield* request(Auth.set({ userId: 42 }))
      const back = yield* request(Auth.get, signIn.store.cookies)
      expect(value(back.result)).toEqual(Option.some({ userId: 42 }))
    }).pipe(Effect.provide(Auth.layer)),
  )

  it.live(
    "a bound token never opens as a facade session either, and iron-session sees the purpose beside the data",
    () =>
      Effect.gen(function* () {
        const token = yield* Seal.seal({ userId: 42 }, { password, purpose: "magic-link" })
        const reasons: Array<string> = []
        const session = yield* Effect.promise(() =>
          facade.getIronSession<{ userId?: number }>(
            new Request("http://127.0.0.1/", { headers: { cookie: `auth=${token}` } }),
            new Response(),
            { cookieName: "auth", password, onUnsealError: (reason) => void reasons.push(reason) },
          ),
        )
        expect(session.userId).toBeUndefined()
        expect(reasons).toEqual(["invalid"])
        const asIronSessionSeesIt = yield* Effect.promise(() => ironSession.unsealData(token, { password }))
        expect(asIronSessionSeesIt).toEqual({ userId: 42, "~purpose": "magic-link" })
      }),
  )
})

describe("metrics and spans", () => {
  class Measured extends Session.Tag<Measured>()("test/Measured", {
    schema: User,
    cookieName: "measured",
    password,
    spans: true,
  }) {}
  const count = (metric: Metric.Metric.Counter<number>, ...labels: Array<[string, string]>) =>
    Effect.map(
      Metric.value(
        Metric.taggedWithLabels(
          metric,
          labels.map(([k, v]) => MetricLabel.make(k, v)),
        ),
      ),
      (state) => state.count,
    )

  it.effect("counts reads, writes and rejections by reason, and traces each operation when asked", () =>
    Effect.gen(function* () {
      const before = {
        reads: yield* count(metrics.reads, ["cookie", "measured"]),
        writes: yield* count(metrics.writes, ["cookie", "measured"]),
        integrity: yield* count(metrics.rejections, ["cookie", "measured"], ["reason", "integrity"]),
      }
      const spans: Array<string> = []
      const base = yield* Effect.tracer
      const tracer = Tracer.make({
        span: (name, ...rest) => {
          spans.push(name)
          return base.span(name, ...rest)
        },
        context: (f, fiber) => base.context(f, fiber),
      })
      const signIn = yield* request(Measured.set(ada)).pipe(Effect.withTracer(tracer))
      yield* request(Measured.get, signIn.store.cookies).pipe(Effect.withTracer(tracer))
      const parts = (signIn.store.cookies.get("measured") ?? "").split("*")
      parts[4] = `${parts[4]?.startsWith("A") ? "B" : "A"}${parts[4]?.slice(1)}`
      const tampered = parts.join("*")
      yield* request(Measured.get, new Map([["measured", tampered]]))
      expect(yield* count(metrics.reads, ["cookie", "measured"])).toBe(before.reads + 2)
      expect(yield* count(metrics.writes, ["cookie", "measured"])).toBe(before.writes + 1)
      expect(yield* count(metrics.rejections, ["cookie", "measured"], ["reason", "integrity"])).toBeGreaterThan(
        before.integrity,
      )
      expect(spans).toEqual(expect.arrayContaining(["Session.set", "Session.get"]))
      const bytes = yield* Metric.value(
        Metric.taggedWithLabels(metrics.cookieBytes, [MetricLabel.make("cookie", "measured")]),
      )
      expect(bytes.count).toBeGreaterThan(0)
    }).pipe(Effect.provide(Measured.layer)),
  )
})
