/**
 * The lifecycle's edges on the Effect API: each rejection reason as logs,
 * spans and metrics report it, idle and absolute timeouts on their own and at
 * their boundaries, the refresh of a rolling session where cookies cannot be
 * written, revocation when there is nothing (or no store) to revoke, how long
 * a revocation holds, freshness at its limit, the metrics' names and the
 * spans' attributes. Time moves with TestClock; the revocation store is the
 * in-memory one.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Cause,
  Duration,
  Effect,
  Either,
  Exit,
  HashMap,
  Layer,
  Logger,
  LogLevel,
  Metric,
  type MetricState,
  Option,
  ParseResult,
  Schema,
  TestClock,
  Tracer,
} from "effect"
import { CookieStore, Errors, Revocation, Seal, Session } from "effect-iron-session"
import type { IronCrypto } from "../../src/internal/kernel/crypto/types.js"
import * as iron from "../../src/internal/kernel/iron.js"

const password = "a-password-that-is-at-least-32-characters-long"
const start = Date.parse("2026-11-27T10:00:00Z")

const User = Schema.Struct({ id: Schema.Number, name: Schema.String })
type User = typeof User.Type
const ada: User = { id: 1, name: "Ada" }

/** One request on a memory store holding `cookies`: the outcome and the store after. */
const request = <A, E, R>(effect: Effect.Effect<A, E, R>, cookies: ReadonlyMap<string, string> = new Map()) =>
  Effect.gen(function* () {
    const store = CookieStore.makeMemory(Object.fromEntries(cookies))
    const result = yield* Effect.either(Effect.provideService(effect, CookieStore.CookieStore, store))
    return { result, store }
  })

const value = <A, E>(result: Either.Either<A, E>): A => Either.getOrThrowWith(result, (e) => new Error(String(e)))

const make = (cookieName: string, options: Partial<Session.Options<User, User>> = {}) =>
  Session.make({ schema: User, cookieName, password, ...options })

/** The record and expiration a session's seal holds, whatever the time. */
const sealer = iron.makeSealer(Seal.backends.webcrypto as unknown as IronCrypto, { password }) as iron.Sealer
const sealOf = (cookie: string | undefined) =>
  Effect.promise(async () => {
    const opened = await iron.openSealed(sealer, cookie ?? "", 0, false)
    const expiration = (cookie ?? "").split("*")[5]
    return { record: opened.record, expiration: expiration === "" ? undefined : Number(expiration) }
  })

const maxAgeOf = (header: string | undefined) => Number(/; Max-Age=(\d+)/.exec(header ?? "")?.[1])

/** A metric's state by its exported name and exact labels, from the registry every exporter reads. */
const metricState = (name: string, labels: Record<string, string>) =>
  Effect.map(Metric.snapshot, (pairs) => {
    const wanted = Object.entries(labels)
    const pair = pairs.find(
      ({ metricKey }) =>
        metricKey.name === name &&
        metricKey.tags.length === wanted.length &&
        wanted.every(([key, v]) => metricKey.tags.some((tag) => tag.key === key && tag.value === v)),
    )
    return pair?.metricState
  })
const counted = (name: string, labels: Record<string, string>) =>
  Effect.map(
    metricState(name, labels),
    (state) => (state as MetricState.MetricState.Counter<number> | undefined)?.count ?? 0,
  )

interface Log {
  readonly level: string
  readonly message: string
  readonly annotations: Record<string, unknown>
}

/**
 * Runs `effect` as a request would: inside a span of its own (the HTTP
 * server's), with debug logs on. Gives its outcome, the logs, every span
 * started, and the request span's attributes.
 */
const observed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const logs: Array<Log> = []
    const logger = Logger.make(({ logLevel, message, annotations }) => {
      logs.push({
        level: logLevel.label,
        message: (Array.isArray(message) ? message : [message]).join(" "),
        annotations: Object.fromEntries(HashMap.toEntries(annotations)),
      })
    })
    const spans: Array<Tracer.Span> = []
    const base = yield* Effect.tracer
    const tracer = Tracer.make({
      span: (...args) => {
        const span = base.span(...args)
        spans.push(span)
        return span
      },
      context: (f, fiber) => base.context(f, fiber),
    })
    const result = yield* effect.pipe(
      Effect.withSpan("request"),
      Effect.withTracer(tracer),
      Logger.withMinimumLogLevel(LogLevel.Debug),
      Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
    )
    const requestSpan = spans.find((span) => span.name === "request")
    return { result, logs, spans, attributes: Object.fromEntries(requestSpan?.attributes ?? new Map()) }
  })

/**
 * Reads `cookies` with `session` and checks that the rejection is reported
 * everywhere the README says, with `reason`: the rejections metric, the
 * request's span and the debug log.
 */
const expectRejected = (
  session: Session.Session<User, Session.InvalidCookieError>,
  cookies: ReadonlyMap<string, string>,
  reason: string,
) =>
  Effect.gen(function* () {
    const labels = { cookie: session.cookieName, reason }
    const before = yield* counted("effect_iron_session_rejections", labels)
    const { result, logs, attributes } = yield* observed(request(Effect.all([session.get, session.rejection]), cookies))
    const [current, rejection] = value(result.result)
    expect(current).toEqual(Option.none())
    expect(yield* counted("effect_iron_session_rejections", labels)).toBe(before + 1)
    expect(attributes[`session.${session.cookieName}.rejected`]).toBe(reason)
    expect(logs).toContainEqual({
      level: "DEBUG",
      message: "session cookie rejected",
      annotations: { cookieName: session.cookieName, reason },
    })
    return Option.getOrThrow(rejection)
  })

describe("why a cookie was rejected", () => {
  it.effect("an expired seal is rejected with the reason 'expired'", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const session = yield* make("r_expired", { ttl: "1 hour" })
      const { store } = yield* request(session.set(ada))
      yield* TestClock.adjust(Duration.sum(Duration.hours(1), Duration.minutes(1)))
      expect(yield* expectRejected(session, store.cookies, "expired")).toMatchObject({ _tag: "SealExpiredError" })
    }),
  )

  it.effect("a cookie whose data no longer fits the schema is rejected as 'schema-mismatch'", () =>
    Effect.gen(function* () {
      const session = yield* make("r_schema")
      const cookies = new Map([["r_schema", yield* Seal.seal({ id: "one" }, { password })]])
      expect(yield* expectRejected(session, cookies, "schema-mismatch")).toMatchObject({
        _tag: "SchemaMismatchError",
      })
    }),
  )

  it.effect("an idle session past its idle window is rejected as 'idle-timeout', expired when its window ended", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const session = yield* make("r_idle", { rolling: { idle: "30 minutes", absolute: "8 hours" } })
      const { store } = yield* request(session.set(ada))
      yield* TestClock.adjust("30 minutes")
      expect(yield* expectRejected(session, store.cookies, "idle-timeout")).toMatchObject({
        _tag: "SessionExpiredError",
        reason: "idle",
        expiredAt: new Date(start + 30 * 60_000),
      })
    }),
  )

  it.effect("a session past its absolute lifetime is rejected as 'absolute-timeout'", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const session = yield* make("r_absolute", { rolling: { absolute: "1 hour" } })
      const { store } = yield* request(session.set(ada))
      yield* TestClock.adjust("1 hour")
      expect(yield* expectRejected(session, store.cookies, "absolute-timeout")).toMatchObject({
        _tag: "SessionExpiredError",
        reason: "absolute",
        expiredAt: new Date(start + 3_600_000),
      })
    }),
  )

  it.effect("the rejection reason of a revoked session is 'revoked'", () =>
    Effect.gen(function* () {
      const session = yield* make("r_revoked", { revocation: {} })
      const { store } = yield* request(session.set(ada))
      yield* request(session.destroy, store.cookies)
      expect(yield* expectRejected(session, store.cookies, "revoked")).toMatchObject({
        _tag: "SessionRevokedError",
        reason: "session",
      })
    }).pipe(Effect.provide(Revocation.layerMemory)),
  )

  it.effect("a session whose revocation store is down is rejected as 'revocation-unavailable'", () =>
    Effect.gen(function* () {
      const session = yield* make("r_down", { revocation: {} }).pipe(
        Effect.provide(Layer.succeed(Revocation.Revocation, down)),
      )
      const cookies = new Map([["r_down", yield* Seal.seal(ada, { password })]])
      expect(yield* expectRejected(session, cookies, "revocation-unavailable")).toMatchObject({
        _tag: "RevocationUnavailableError",
        store: "test",
      })
    }),
  )
})

const unavailable = () => new Errors.RevocationUnavailableError({ store: "test", detail: "down" })
/** A revocation store that cannot be reached. */
const down: Revocation.Revocation = {
  check: () => Effect.fail(unavailable()),
  revokeSession: () => Effect.fail(unavailable()),
  revokeSubject: () => Effect.fail(unavailable()),
}

describe("idle and absolute timeouts", () => {
  it.effect(
    "an idle-only session seals and keeps its cookie until its idle deadline, and is rejected as idle right after",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const session = yield* make("idle_only", { rolling: { idle: "30 minutes" } })
        const { store } = yield* request(session.set(ada))
        // Max-Age is the idle window less iron's minute, as for a ttl.
        expect(maxAgeOf(store.setCookieHeaders[0])).toBe(30 * 60 - 60)
        expect((yield* sealOf(store.cookies.get("idle_only"))).expiration).toBe(start + 30 * 60_000)
        yield* TestClock.adjust(Duration.millis(30 * 60_000 - 1))
        expect(value((yield* request(session.get, store.cookies)).result)).toEqual(Option.some(ada))
        yield* TestClock.adjust("1 millis")
        const out = yield* request(session.rejection, store.cookies)
        expect(Option.getOrThrow(value(out.result))).toMatchObject({ _tag: "SessionExpiredError", reason: "idle" })
      }),
  )

  it.effect("an absolute-only session seals until sign-in plus its lifetime, however often it is written", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const session = yield* make("absolute_only", { rolling: { absolute: "2 hours" } })
      let cookies = (yield* request(session.set(ada))).store.cookies
      yield* TestClock.adjust("90 minutes")
      const edit = yield* request(session.set({ ...ada, name: "Ada L." }), cookies)
      cookies = edit.store.cookies
      expect((yield* sealOf(cookies.get("absolute_only"))).expiration).toBe(start + 2 * 3_600_000)
      expect(maxAgeOf(edit.store.setCookieHeaders[0])).toBe(30 * 60)
      yield* TestClock.adjust("30 minutes")
      const out = yield* request(session.rejection, cookies)
      expect(Option.getOrThrow(value(out.result))).toMatchObject({ _tag: "SessionExpiredError", reason: "absolute" })
    }),
  )

  it.effect("a session written near the end of its lifetime seals until the absolute deadline, not idle-later", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const session = yield* make("near_end", { rolling: { idle: "30 minutes", absolute: "1 hour" } })
      let cookies = (yield* request(session.set(ada))).store.cookies
      yield* TestClock.adjust("20 minutes")
      cookies = (yield* request(session.set(ada), cookies)).store.cookies
      expect((yield* sealOf(cookies.get("near_end"))).expiration).toBe(start + 50 * 60_000)
      yield* TestClock.adjust("25 minutes")
      cookies = (yield* request(session.set(ada), cookies)).store.cookies
      // Idle would allow until 75 minutes after sign-in; the lifetime ends at 60.
      expect((yield* sealOf(cookies.get("near_end"))).expiration).toBe(start + 60 * 60_000)
    }),
  )

  it.effect("a session idle for days is still rejected as idle, not as an expired seal", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const session = yield* make("long_idle", { rolling: { idle: "30 minutes", absolute: "30 days" } })
      const { store } = yield* request(session.set(ada))
      yield* TestClock.adjust("3 days")
      const out = yield* request(session.rejection, store.cookies)
      expect(Option.getOrThrow(value(out.result))).toMatchObject({
        _tag: "SessionExpiredError",
        reason: "idle",
        expiredAt: new Date(start + 30 * 60_000),
      })
    }),
  )

  it.effect("on Web Crypto (asynchronous), a rolling session's timeouts are checked the same way", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const session = yield* make("async_idle", { rolling: { idle: "30 minutes" } })
      const { store } = yield* request(session.set(ada))
      yield* TestClock.adjust("29 minutes")
      expect(value((yield* request(session.get, store.cookies)).result)).toEqual(Option.some(ada))
      yield* TestClock.adjust("1 minute")
      const out = yield* request(session.rejection, store.cookies)
      expect(Option.getOrThrow(value(out.result))).toMatchObject({ _tag: "SessionExpiredError", reason: "idle" })
    }).pipe(Effect.provide(Seal.layerWebCrypto)),
  )

  it.effect(
    "a cookie from before the timeouts were on is read until its seal's expiration plus iron's minute of skew, when that comes before its idle deadline",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        // The session's ttl is the one the old cookie was sealed with, so its
        // write time is known (expiration less ttl) and it is idle from then.
        const session = yield* make("legacy", {
          rolling: { idle: "2 hours", absolute: "8 hours" },
          ttl: "1 hour",
        })
        const cookies = new Map([["legacy", yield* Seal.seal(ada, { password, ttl: "1 hour" })]])
        yield* TestClock.adjust(Duration.millis(3_600_000 + 60_000 - 1))
        expect(value((yield* request(session.get, cookies)).result)).toEqual(Option.some(ada))
        yield* TestClock.adjust("1 millis")
        const out = yield* request(session.rejection, cookies)
        expect(Option.getOrThrow(value(out.result))).toMatchObject({
          _tag: "SealExpiredError",
          expiredAt: new Date(start + 3_600_000),
        })
      }),
  )

  it.effect("an app's own Max-Age wins over the session's deadline", () =>
    Effect.gen(function* () {
      const session = yield* make("own_max_age", {
        rolling: { idle: "30 minutes", absolute: "8 hours" },
        cookieOptions: { maxAge: "1 hour" },
      })
      const { store } = yield* request(session.set(ada))
      expect(maxAgeOf(store.setCookieHeaders[0])).toBe(3600)
    }),
  )

  it.effect(
    "a tracked session without timeouts seals with its ttl, and is refused once the ttl and skew are past",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const session = yield* make("tracked_ttl", { track: true, ttl: "1 hour" })
        const { store } = yield* request(session.set(ada))
        expect(maxAgeOf(store.setCookieHeaders[0])).toBe(3600 - 60)
        const sealed = yield* sealOf(store.cookies.get("tracked_ttl"))
        expect(sealed.expiration).toBe(start + 3_600_000)
        expect(sealed.record).toMatchObject({ signedInAt: start, writtenAt: start })
        yield* TestClock.adjust(Duration.millis(3_600_000 + 60_000))
        const out = yield* request(Effect.all([session.get, session.rejection]), store.cookies)
        const [current, rejection] = value(out.result)
        expect(current).toEqual(Option.none())
        expect(Option.getOrThrow(rejection)).toMatchObject({ _tag: "SealExpiredError" })
      }),
  )

  it.effect("a tracked session with an infinite ttl is sealed with no expiration", () =>
    Effect.gen(function* () {
      const session = yield* make("tracked_forever", { track: true, ttl: Duration.infinity })
      const { store } = yield* request(session.set(ada))
      const sealed = yield* sealOf(store.cookies.get("tracked_forever"))
      expect(sealed.expiration).toBeUndefined()
      expect(sealed.record).toBeDefined()
      expect(maxAgeOf(store.setCookieHeaders[0])).toBe(2147483647)
    }),
  )
})

describe("the refresh of a rolling session", () => {
  const rolling = { idle: "30 minutes", absolute: "8 hours", refresh: "10 minutes" } as const

  it.effect("a read exactly at its refresh interval writes the session again, and counts one refresh", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const session = yield* make("refresh_at", { rolling })
      const { store } = yield* request(session.set(ada))
      const before = yield* counted("effect_iron_session_refreshes", { cookie: "refresh_at" })
      yield* TestClock.adjust(Duration.millis(10 * 60_000 - 1))
      expect((yield* request(session.get, store.cookies)).store.setCookieHeaders).toEqual([])
      expect(yield* counted("effect_iron_session_refreshes", { cookie: "refresh_at" })).toBe(before)
      yield* TestClock.adjust("1 millis")
      const at = yield* request(session.get, store.cookies)
      expect(value(at.result)).toEqual(Option.some(ada))
      expect(at.store.setCookieHeaders).toHaveLength(1)
      expect((yield* sealOf(at.store.cookies.get("refresh_at"))).record?.writtenAt).toBe(start + 10 * 60_000)
      expect(yield* counted("effect_iron_session_refreshes", { cookie: "refresh_at" })).toBe(before + 1)
    }),
  )

  it.effect("a rolling session read where cookies cannot be written is used as it is, without a refresh", () =>
    Effect.gen(function* () {
      const session = yield* make("refresh_closed", { rolling })
      const { store } = yield* request(session.set(ada))
      yield* TestClock.adjust("20 minutes")
      const closed = CookieStore.makeMemory(Object.fromEntries(store.cookies))
      closed.close("headers-sent")
      const { result, logs } = yield* observed(Effect.provideService(session.get, CookieStore.CookieStore, closed))
      expect(result).toEqual(Option.some(ada))
      expect(closed.setCookieHeaders).toEqual([])
      expect(yield* counted("effect_iron_session_refreshes", { cookie: "refresh_closed" })).toBe(0)
      expect(logs.map((log) => log.message)).not.toContain("rolling session not refreshed")
    }),
  )

  it.effect("a refresh the response refuses is logged at debug, and the session is still read", () =>
    Effect.gen(function* () {
      const session = yield* make("refresh_refused", { rolling })
      const { store } = yield* request(session.set(ada))
      yield* TestClock.adjust("20 minutes")
      // A redirect's headers are immutable: the store only learns it when it writes.
      const cookies = CookieStore.fromWeb(
        new Request("http://127.0.0.1/", { headers: { cookie: store.cookieHeader() } }),
        Response.redirect("http://127.0.0.1/next"),
      )
      const { result, logs } = yield* observed(Effect.provideService(session.get, CookieStore.CookieStore, cookies))
      expect(result).toEqual(Option.some(ada))
      expect(logs).toContainEqual({
        level: "DEBUG",
        message: "rolling session not refreshed",
        annotations: { cookieName: "refresh_refused", reason: "CookieNotWritableError" },
      })
    }),
  )
})

/** The in-memory store, with the references it was asked to check. */
const recording = Effect.map(Revocation.makeMemory, (store) => {
  const checked: Array<Revocation.SessionRef> = []
  const subjects: Array<string> = []
  const revocation: Revocation.Revocation = {
    check: (ref) => {
      checked.push(ref)
      return store.check(ref)
    },
    revokeSession: store.revokeSession,
    revokeSubject: (subject, at, retainUntil) => {
      subjects.push(subject)
      return store.revokeSubject(subject, at, retainUntil)
    },
  }
  return { revocation, checked, subjects }
})

describe("revocation at its edges", () => {
  it.effect("destroying a tracked session without revocation needs no store, and clears the cookie", () =>
    Effect.gen(function* () {
      const session = yield* make("tracked_destroy", { track: true })
      const { store } = yield* request(session.set(ada))
      const out = yield* request(Effect.zipRight(session.destroy, session.get), store.cookies)
      expect(value(out.result)).toEqual(Option.none())
      expect(out.store.cookies.size).toBe(0)
    }),
  )

  it.effect("destroying with no session at all, revocation on, expires the cookie and revokes nothing", () =>
    Effect.gen(function* () {
      const session = yield* make("destroy_empty", { revocation: {} })
      const out = yield* request(session.destroy)
      expect(Either.isRight(out.result)).toBe(true)
      expect(out.store.setCookieHeaders).toEqual([expect.stringMatching(/^destroy_empty=; Max-Age=0;/)])
    }).pipe(Effect.provide(Revocation.layerMemory)),
  )

  it.effect("a destroyed session's copy stays refused until its seal is refused, iron's minute of skew included", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const session = yield* make("revoked_ttl", { revocation: {}, ttl: "1 hour" })
      const stolen = (yield* request(session.set(ada))).store.cookies
      yield* TestClock.adjust("1 minute")
      yield* request(session.destroy, stolen)
      // An hour after sign-in the seal has expired, but iron accepts it for a minute more.
      yield* TestClock.adjust(Duration.millis(59 * 60_000 + 30_000))
      const out = yield* request(Effect.all([session.get, session.rejection]), stolen)
      const [current, rejection] = value(out.result)
      expect(current).toEqual(Option.none())
      expect(Option.getOrThrow(rejection)).toMatchObject({ _tag: "SessionRevokedError", reason: "session" })
    }).pipe(Effect.provide(Revocation.layerMemory)),
  )

  it.effect(
    "with an infinite ttl, a destroyed session's copy is still refused years later, by its absolute lifetime",
    () =>
      Effect.gen(function* () {
        const session = yield* make("revoked_forever", {
          revocation: {},
          ttl: Duration.infinity,
          rolling: { absolute: "1000 days" },
        })
        const stolen = (yield* request(session.set(ada))).store.cookies
        yield* TestClock.adjust("1 minute")
        yield* request(session.destroy, stolen)
        yield* TestClock.adjust("900 days")
        const out = yield* request(session.rejection, stolen)
        expect(Option.getOrThrow(value(out.result))).toMatchObject({ _tag: "SessionRevokedError", reason: "session" })
      }).pipe(Effect.provide(Revocation.layerMemory)),
  )

  it.effect(
    "a destroyed rolling session's copy with a ttl shorter than its idle timeout is revoked, then expired by the ttl",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const session = yield* make("revoked_rolling", {
          rolling: { idle: "30 minutes" },
          ttl: "10 minutes",
          revocation: {},
        })
        const stolen = (yield* request(session.set(ada))).store.cookies
        yield* TestClock.adjust("1 minute")
        yield* request(session.destroy, stolen)
        yield* TestClock.adjust("8 minutes")
        const revoked = yield* request(session.rejection, stolen)
        expect(Option.getOrThrow(value(revoked.result))).toMatchObject({
          _tag: "SessionRevokedError",
          reason: "session",
        })
        // Idle for 20 minutes: within its idle timeout, but past the ttl that caps every seal.
        yield* TestClock.adjust("11 minutes")
        const expired = yield* request(session.rejection, stolen)
        expect(Option.getOrThrow(value(expired.result))).toMatchObject({
          _tag: "SealExpiredError",
          expiredAt: new Date(start + 10 * 60_000),
        })
      }).pipe(Effect.provide(Revocation.layerMemory)),
  )

  it.effect(
    "a fail-open destroy while the store is down still clears the cookie, and warns that the id was not revoked",
    () =>
      Effect.gen(function* () {
        const options = { revocation: { onUnavailable: "fail-open" } } as const
        const signIn = yield* make("destroy_down", options).pipe(Effect.provide(Revocation.layerMemory))
        const { store } = yield* request(signIn.set(ada))
        // The same session on an instance whose store is down.
        const session = yield* make("destroy_down", options).pipe(
          Effect.provide(Layer.succeed(Revocation.Revocation, down)),
        )
        const { result, logs } = yield* observed(request(session.destroy, store.cookies))
        expect(Either.isRight(result.result)).toBe(true)
        expect(result.store.cookies.size).toBe(0)
        expect(logs).toContainEqual({
          level: "WARN",
          message: "session id not revoked: the revocation store is unavailable (fail-open)",
          annotations: { cookieName: "destroy_down", store: "test" },
        })
      }),
  )

  it.effect("the fail-open warning names the cookie and the store", () =>
    Effect.gen(function* () {
      const session = yield* make("open_down", { revocation: { onUnavailable: "fail-open" } }).pipe(
        Effect.provide(Layer.succeed(Revocation.Revocation, down)),
      )
      const cookies = new Map([["open_down", yield* Seal.seal(ada, { password })]])
      const { result, logs } = yield* observed(request(session.get, cookies))
      expect(value(result.result)).toEqual(Option.some(ada))
      expect(logs).toContainEqual({
        level: "WARN",
        message: "revocation store unavailable: session used without the check (fail-open)",
        annotations: { cookieName: "open_down", store: "test" },
      })
    }),
  )

  it.effect(
    "a cookie from before revocation was on is checked by an id of its seal's MAC, as signed in when it was sealed",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(start)
        const { revocation, checked } = yield* recording
        const session = yield* make("legacy_revocable", { revocation: { subject: (user) => String(user.id) } }).pipe(
          Effect.provide(Layer.succeed(Revocation.Revocation, revocation)),
        )
        const legacy = yield* Seal.seal(ada, { password })
        yield* TestClock.adjust("1 hour")
        const cookies = new Map([["legacy_revocable", legacy]])
        expect(value((yield* request(session.get, cookies)).result)).toEqual(Option.some(ada))
        const mac = legacy.split("~")[0]!.split("*")[7]
        expect(checked).toEqual([{ id: `seal.${mac}`, subject: "1", signedInAt: start }])
      }),
  )
})

describe("signOutEverywhere at its edges", () => {
  it.effect("without revocation it is a defect that says how to turn revocation on", () =>
    Effect.gen(function* () {
      for (const options of [{}, { track: true }]) {
        const session = yield* make("no_revocation", options)
        const exit = yield* Effect.exit(
          Effect.provideService(session.signOutEverywhere, CookieStore.CookieStore, CookieStore.makeMemory()),
        )
        const defect = Exit.isFailure(exit) ? Cause.dieOption(exit.cause) : Option.none()
        expect(Option.getOrThrow(defect)).toMatchObject({
          message: expect.stringContaining(
            'Session "no_revocation": signOutEverywhere needs revocation on, with a subject',
          ),
        })
      }
    }),
  )

  it.effect("without a subject it destroys the session and revokes its id, but no subject", () =>
    Effect.gen(function* () {
      const { revocation, subjects } = yield* recording
      const session = yield* make("no_subject", { revocation: {} }).pipe(
        Effect.provide(Layer.succeed(Revocation.Revocation, revocation)),
      )
      const stolen = (yield* request(session.set(ada))).store.cookies
      const out = yield* request(session.signOutEverywhere, stolen)
      expect(Either.isRight(out.result)).toBe(true)
      expect(out.store.cookies.size).toBe(0)
      expect(subjects).toEqual([])
      const replayed = yield* request(session.rejection, stolen)
      expect(Option.getOrThrow(value(replayed.result))).toMatchObject({ reason: "session" })
    }),
  )

  it.effect("holds for an idle-only session as long as its idle window", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const session = yield* make("everywhere_idle", {
        rolling: { idle: "30 minutes" },
        revocation: { subject: (user) => String(user.id) },
      })
      const phone = (yield* request(session.set(ada))).store.cookies
      const laptop = (yield* request(session.set(ada))).store.cookies
      yield* TestClock.adjust("1 minute")
      yield* request(session.signOutEverywhere, laptop)
      // Two minutes before the phone's idle deadline: the subject's revocation still holds.
      yield* TestClock.adjust("27 minutes")
      const out = yield* request(session.rejection, phone)
      expect(Option.getOrThrow(value(out.result))).toMatchObject({ _tag: "SessionRevokedError", reason: "subject" })
    }).pipe(Effect.provide(Revocation.layerMemory)),
  )

  it.effect("holds for a session without timeouts until its seal is refused, iron's minute of skew included", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const session = yield* make("everywhere_ttl", {
        ttl: "1 hour",
        revocation: { subject: (user) => String(user.id) },
      })
      const phone = (yield* request(session.set(ada))).store.cookies
      const laptop = (yield* request(session.set(ada))).store.cookies
      yield* TestClock.adjust("1 millis")
      yield* request(session.signOutEverywhere, laptop)
      // An hour after sign-in the phone's seal has expired, but iron accepts it for a minute more.
      yield* TestClock.adjust(Duration.millis(3_600_000 + 30_000))
      const out = yield* request(session.rejection, phone)
      expect(Option.getOrThrow(value(out.result))).toMatchObject({ _tag: "SessionRevokedError", reason: "subject" })
    }).pipe(Effect.provide(Revocation.layerMemory)),
  )
  it.effect("holds for a session whose seals never expire as long as its absolute lifetime", () =>
    Effect.gen(function* () {
      const session = yield* make("everywhere_forever", {
        ttl: Duration.infinity,
        rolling: { absolute: "400 days" },
        revocation: { subject: (user) => String(user.id) },
      })
      const phone = (yield* request(session.set(ada))).store.cookies
      const laptop = (yield* request(session.set(ada))).store.cookies
      yield* TestClock.adjust("1 minute")
      yield* request(session.signOutEverywhere, laptop)
      yield* TestClock.adjust("300 days")
      const out = yield* request(session.rejection, phone)
      expect(Option.getOrThrow(value(out.result))).toMatchObject({ _tag: "SessionRevokedError", reason: "subject" })
    }).pipe(Effect.provide(Revocation.layerMemory)),
  )
})

describe("freshness at its limit", () => {
  it.effect("a sign-in exactly maxAge ago is still fresh, a millisecond later it is not", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(start)
      const session = yield* make("fresh_limit", { track: true })
      const { store } = yield* request(session.set(ada))
      yield* TestClock.adjust("10 minutes")
      expect(Either.isRight((yield* request(session.requireFresh("10 minutes"), store.cookies)).result)).toBe(true)
      yield* TestClock.adjust("1 millis")
      const late = yield* request(session.requireFresh("10 minutes"), store.cookies)
      expect(Either.getLeft(late.result)).toEqual(
        Option.some(expect.objectContaining({ _tag: "SessionNotFreshError", maxAgeMillis: 600_000 })),
      )
    }),
  )
})

describe("metrics and spans", () => {
  it.effect("the metrics are exported under their documented names, described, counters monotonic", () =>
    Effect.gen(function* () {
      // One of each: a write, a read, a rejection and a refresh.
      const session = yield* make("registered", { rolling: { idle: "30 minutes", refresh: "10 minutes" } })
      const { store } = yield* request(session.set(ada))
      yield* TestClock.adjust("15 minutes")
      yield* request(session.get, store.cookies)
      yield* request(session.get, new Map([["registered", "Fe26.2*1*a*b*c**d*e"]]))
      const pairs = yield* Metric.snapshot
      const keyOf = (name: string) => pairs.find((pair) => pair.metricKey.name === name)?.metricKey
      for (const name of [
        "effect_iron_session_reads",
        "effect_iron_session_writes",
        "effect_iron_session_rejections",
        "effect_iron_session_refreshes",
      ]) {
        const key = keyOf(name)
        expect(key?.description).toEqual(Option.some(expect.stringMatching(/\w/)))
        // Monotonic: exporters send it as a counter that only goes up.
        expect(key?.keyType).toMatchObject({ incremental: true })
      }
      const bytes = keyOf("effect_iron_session_cookie_bytes")
      expect(bytes?.description).toEqual(Option.some(expect.stringMatching(/\w/)))
      // Buckets around the 4096-byte cap of one cookie, and its chunks.
      expect(bytes?.keyType).toMatchObject({
        boundaries: { values: expect.arrayContaining([256, 512, 1024, 2048, 3072, 4096, 8192, 16384]) },
      })
    }),
  )

  it.effect("the cookie-bytes histogram records the bytes of the Set-Cookie headers a write sends", () =>
    Effect.gen(function* () {
      const session = yield* make("bytes_sent", { chunk: true })
      const { store } = yield* request(session.set({ ...ada, name: "x".repeat(5000) }))
      const state = (yield* metricState("effect_iron_session_cookie_bytes", {
        cookie: "bytes_sent",
      })) as MetricState.MetricState.Histogram
      const sent = store.setCookieHeaders.reduce((sum, header) => sum + new TextEncoder().encode(header).length, 0)
      expect(store.setCookieHeaders).toHaveLength(2)
      expect(state.count).toBe(1)
      expect(state.sum).toBe(sent)
    }),
  )

  it.effect("a request without the cookie counts no read, and one that reads it twice counts one", () =>
    Effect.gen(function* () {
      const session = yield* make("reads_counted")
      const reads = () => counted("effect_iron_session_reads", { cookie: "reads_counted" })
      yield* request(Effect.all([session.get, session.get]))
      expect(yield* reads()).toBe(0)
      const { store } = yield* request(session.set(ada))
      yield* request(Effect.all([session.get, session.get, session.rejection]), store.cookies)
      expect(yield* reads()).toBe(1)
    }),
  )

  it.effect("a set on a session without a lifecycle does not read the cookie it replaces", () =>
    Effect.gen(function* () {
      const rejected: Array<string> = []
      const session = yield* make("blind_set", {
        onRejected: ({ error }) => Effect.sync(() => rejected.push(error._tag)),
      })
      const tampered = new Map([["blind_set", "Fe26.2*1*a*b*c**d*e"]])
      const out = yield* request(Effect.zipRight(session.set(ada), session.get), tampered)
      expect(value(out.result)).toEqual(Option.some(ada))
      expect(yield* counted("effect_iron_session_reads", { cookie: "blind_set" })).toBe(0)
      expect(rejected).toEqual([])
    }),
  )

  it.effect("a tracked session set twice in a request reads its cookie once", () =>
    Effect.gen(function* () {
      const session = yield* make("tracked_twice", { track: true })
      const { store } = yield* request(session.set(ada))
      yield* request(Effect.zipRight(session.set(ada), session.set({ ...ada, name: "Ada L." })), store.cookies)
      expect(yield* counted("effect_iron_session_reads", { cookie: "tracked_twice" })).toBe(1)
    }),
  )

  it.effect("each operation's span is named for it and carries the cookie's name", () =>
    Effect.gen(function* () {
      const session = yield* make("traced", { spans: true, revocation: { subject: (user) => String(user.id) } })
      const { spans } = yield* observed(
        request(
          Effect.all([
            session.set(ada),
            session.get,
            session.update((user) => Option.getOrThrow(user)),
            session.save,
            session.regenerate,
            session.destroy,
            session.signOutEverywhere,
          ]),
        ),
      )
      const ours = spans.filter((span) => span.name.startsWith("Session."))
      expect(ours.map((span) => span.name)).toEqual([
        "Session.set",
        "Session.get",
        "Session.update",
        "Session.save",
        "Session.regenerate",
        "Session.destroy",
        "Session.signOutEverywhere",
        // signOutEverywhere destroys this session too, through the same operation.
      ])
      for (const span of ours) expect(Object.fromEntries(span.attributes)).toEqual({ "session.cookie": "traced" })
    }).pipe(Effect.provide(Revocation.layerMemory)),
  )

  it.effect("session ids are 16 random bytes in base64url: 22 characters, safe in a cookie and a store key", () =>
    Effect.gen(function* () {
      const session = yield* make("ids", { track: true })
      const ids = new Set<string>()
      for (let i = 0; i < 64; i++) {
        const { store } = yield* request(session.set(ada))
        ids.add((yield* sealOf(store.cookies.get("ids"))).record?.id ?? "")
      }
      expect(ids.size).toBe(64)
      for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    }),
  )
})

describe("writes on the paths the common case skips", () => {
  it.effect("on Web Crypto (asynchronous), the value set is what the same request reads back", () =>
    Effect.gen(function* () {
      const session = yield* make("async_write")
      const { store } = yield* request(session.set(ada))
      const edited = { ...ada, name: "Ada L." }
      const out = yield* request(Effect.zipRight(session.set(edited), session.get), store.cookies)
      expect(value(out.result)).toEqual(Option.some(edited))
      expect(yield* counted("effect_iron_session_writes", { cookie: "async_write" })).toBe(2)
    }).pipe(Effect.provide(Seal.layerWebCrypto)),
  )

  it.effect("with an asynchronous schema, the value set is what the same request reads back", () =>
    Effect.gen(function* () {
      const Name = Schema.Struct({ name: Schema.String })
      const Slow = Schema.transformOrFail(Name, Name, {
        strict: true,
        decode: (name) => Effect.as(Effect.sleep("1 millis"), name),
        encode: (name) => Effect.as(Effect.sleep("1 millis"), name),
      })
      const session = yield* Session.make({ schema: Slow, cookieName: "async_schema", password })
      const cookies = new Map([["async_schema", yield* Seal.seal({ name: "old" }, { password })]])
      const fiber = yield* Effect.fork(request(Effect.zipRight(session.set({ name: "new" }), session.get), cookies))
      yield* TestClock.adjust("1 millis")
      const out = yield* Effect.fromFiber(fiber)
      expect(value(out.result)).toEqual(Option.some({ name: "new" }))
    }),
  )

  it.effect("a write where cookies cannot be written is refused for the session's cookie before it is encoded", () =>
    Effect.gen(function* () {
      const session = yield* make("closed_write", { chunk: true })
      const closed = CookieStore.makeMemory()
      closed.close("headers-sent")
      const write = (user: User) =>
        Effect.flip(Effect.provideService(session.set(user), CookieStore.CookieStore, closed))
      // Even a value that would need chunks is refused in the session's name, not its first chunk's.
      expect(yield* write({ ...ada, name: "x".repeat(6000) })).toMatchObject({
        _tag: "CookieNotWritableError",
        cookieName: "closed_write",
        reason: "headers-sent",
      })
      // And a value the schema refuses is never looked at.
      expect(yield* write({ id: "one" } as never)).toMatchObject({ _tag: "CookieNotWritableError" })
      expect(closed.setCookieHeaders).toEqual([])
    }),
  )
})

describe("rejections on the asynchronous path", () => {
  it.effect("on Web Crypto, a tampered seal is rejected as 'integrity', reported once", () =>
    Effect.gen(function* () {
      const rejections: Array<string> = []
      const session = yield* make("async_tampered", {
        onRejected: ({ error }) => Effect.sync(() => rejections.push(error._tag)),
      })
      const { store } = yield* request(session.set(ada))
      const parts = store.cookies.get("async_tampered")!.split("*")
      parts[4] = `${parts[4]!.startsWith("A") ? "B" : "A"}${parts[4]!.slice(1)}`
      const tampered = new Map([["async_tampered", parts.join("*")]])
      expect(yield* expectRejected(session, tampered, "integrity")).toMatchObject({
        _tag: "BadSealError",
        reason: "integrity",
      })
      expect(rejections).toEqual(["BadSealError"])
    }).pipe(Effect.provide(Seal.layerWebCrypto)),
  )

  it.effect("on Web Crypto under the fail policy, a cookie the schema refuses is reported once", () =>
    Effect.gen(function* () {
      const rejections: Array<string> = []
      const session = yield* Session.make({
        schema: User,
        cookieName: "async_fail",
        password,
        invalidCookie: "fail",
        onRejected: ({ error }) => Effect.sync(() => rejections.push(error._tag)),
      })
      const labels = { cookie: "async_fail", reason: "schema-mismatch" }
      const cookies = new Map([["async_fail", yield* Seal.seal({ id: "one" }, { password })]])
      const out = yield* request(Effect.all([Effect.either(session.get), session.rejection]), cookies)
      const [read, rejection] = value(out.result)
      expect(Either.getLeft(read)).toEqual(Option.some(expect.objectContaining({ _tag: "SchemaMismatchError" })))
      expect(Option.getOrThrow(rejection)._tag).toBe("SchemaMismatchError")
      expect(rejections).toEqual(["SchemaMismatchError"])
      expect(yield* counted("effect_iron_session_rejections", labels)).toBe(1)
    }).pipe(Effect.provide(Seal.layerWebCrypto)),
  )

  it.effect("a schema whose asynchronous step refuses the data rejects the cookie as 'schema-mismatch'", () =>
    Effect.gen(function* () {
      const Name = Schema.Struct({ name: Schema.String })
      const Checked = Schema.transformOrFail(Name, Name, {
        strict: true,
        decode: (name, _, ast) =>
          Effect.zipRight(
            Effect.sleep("1 millis"),
            name.name === "" ? Effect.fail(new ParseResult.Type(ast, name, "empty")) : Effect.succeed(name),
          ),
        encode: ParseResult.succeed,
      })
      const session = yield* Session.make({ schema: Checked, cookieName: "async_refused", password })
      const cookies = new Map([["async_refused", yield* Seal.seal({ name: "" }, { password })]])
      const fiber = yield* Effect.fork(request(Effect.all([session.get, session.rejection]), cookies))
      yield* TestClock.adjust("1 millis")
      const [current, rejection] = value((yield* Effect.fromFiber(fiber)).result)
      expect(current).toEqual(Option.none())
      expect(Option.getOrThrow(rejection)).toMatchObject({ _tag: "SchemaMismatchError" })
    }),
  )
})
