import { randomUUID } from "node:crypto"
import { SystemError } from "@effect/platform/Error"
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import {
  Cause,
  Clock,
  Config,
  ConfigProvider,
  Deferred,
  Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  Metric,
  MetricLabel,
  Option,
  Redacted,
  Schedule,
  TestClock,
  Tracer,
} from "effect"
import { Errors, Revocation } from "effect-iron-session"
import { layerKeyValueStore, makeKeyValueStore } from "effect-iron-session/KeyValueStore"
import { layerRedis, layerRedisConfig, makeRedis } from "effect-iron-session/Redis"
import { Redis } from "ioredis"
import { failureOf } from "./helpers/exit.js"
import { type RedisServer, redisServerAvailable, startRedisServer } from "./helpers/redis.js"

const hour = 3_600_000
const day = 24 * hour

/** How many lookups a store has counted with this result so far. */
const counted = (store: string, result: "ok" | "revoked" | "unavailable") =>
  Effect.map(
    Metric.value(Revocation.lookups.pipe(Metric.tagged("store", store), Metric.tagged("result", result))),
    (state) => state.count,
  )

const timed = (store: string) =>
  Effect.map(Metric.value(Revocation.lookupDuration.pipe(Metric.tagged("store", store))), (state) => state.count)

// ---------------------------------------------------------------------------
// The stores under test
// ---------------------------------------------------------------------------

let redis: RedisServer | undefined
const withRedis = redisServerAvailable()

beforeAll(async () => {
  if (withRedis) redis = await startRedisServer()
}, 10_000)

afterAll(async () => {
  await redis?.stop()
})

const redisUrl = () => {
  if (redis === undefined) throw new Error("redis-server is not running")
  return redis.url
}

/** A fresh key prefix per test: one server serves every test, and none sees another's records. */
const freshPrefix = () => `test:${randomUUID()}:`

interface Store {
  /** As tagged in metrics and errors. */
  readonly name: "memory" | "key-value-store" | "redis"
  /** A fresh, empty store. */
  readonly layer: () => Layer.Layer<Revocation.Revocation, unknown>
  /** Redis keeps real time; the in-process stores run under TestClock. */
  readonly live: boolean
  /** Lets `ms` milliseconds pass, as the store sees time. */
  readonly advance: (ms: number) => Effect.Effect<void>
  /**
   * For the expiry tests: a record's `lifetime`, how long to wait `before`
   * checking it is still there, and a `shorter` lifetime that must not cut it
   * short (shorter < before < lifetime). Under TestClock the edges are exact;
   * in real time they leave room for a loaded machine.
   */
  readonly timing: { readonly lifetime: number; readonly before: number; readonly shorter: number }
}

const exactly = { lifetime: 200, before: 199, shorter: 50 }

const stores: ReadonlyArray<Store> = [
  {
    name: "memory",
    layer: () => Revocation.layerMemory,
    live: false,
    advance: (ms) => TestClock.adjust(ms),
    timing: exactly,
  },
  {
    name: "key-value-store",
    layer: () => layerKeyValueStore.pipe(Layer.provide(KeyValueStore.layerMemory)),
    live: false,
    advance: (ms) => TestClock.adjust(ms),
    timing: exactly,
  },
  {
    name: "redis",
    layer: () => layerRedis({ url: redisUrl(), prefix: freshPrefix() }),
    live: true,
    // Redis expires keys on its own clock: real time has to pass, a little
    // more than asked, since it rounds to the millisecond.
    advance: (ms) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, ms + 20))),
    timing: { lifetime: 600, before: 60, shorter: 30 },
  },
]

// ---------------------------------------------------------------------------
// One behaviour, three stores
// ---------------------------------------------------------------------------

for (const store of stores) {
  const skip = store.name === "redis" && !withRedis
  describe.skipIf(skip)(`Revocation on ${store.name}`, () => {
    /** A test with a fresh store, at a realistic `now` (TestClock starts at 1970). */
    const test = (
      name: string,
      body: (revocation: Revocation.Revocation, now: number) => Effect.Effect<void, unknown>,
      timeout?: number,
    ) =>
      (store.live ? it.live : it.effect)(
        name,
        () =>
          Effect.gen(function* () {
            if (!store.live) yield* TestClock.setTime(Date.parse("2026-03-01T12:00:00Z"))
            const now = yield* Clock.currentTimeMillis
            const revocation = yield* Revocation.Revocation
            yield* body(revocation, now)
          }).pipe(Effect.provide(store.layer())),
        timeout,
      )

    test("a revoked session reads as revoked by its id, and other sessions do not", (revocation, now) =>
      Effect.gen(function* () {
        const mine = { id: "s-1", subject: "u-1", signedInAt: now - hour }
        const other = { id: "s-2", subject: "u-1", signedInAt: now - hour }
        expect(yield* revocation.check(mine)).toEqual(Option.none())
        yield* revocation.revokeSession("s-1", now + day)
        expect(yield* revocation.check(mine)).toEqual(Option.some("session"))
        expect(yield* revocation.check({ id: "s-1", signedInAt: now })).toEqual(Option.some("session"))
        expect(yield* revocation.check(other)).toEqual(Option.none())
      }))

    test("revoking a subject at T revokes its sessions signed in at or before T, not after", (revocation, now) =>
      Effect.gen(function* () {
        const at = now - 10_000
        yield* revocation.revokeSubject("u-1", at, now + day)
        expect(yield* revocation.check({ id: "a", subject: "u-1", signedInAt: at - hour })).toEqual(
          Option.some("subject"),
        )
        expect(yield* revocation.check({ id: "b", subject: "u-1", signedInAt: at })).toEqual(Option.some("subject"))
        expect(yield* revocation.check({ id: "c", subject: "u-1", signedInAt: at + 1 })).toEqual(Option.none())
        expect(yield* revocation.check({ id: "d", subject: "u-2", signedInAt: at - hour })).toEqual(Option.none())
        expect(yield* revocation.check({ id: "e", signedInAt: at - hour })).toEqual(Option.none())
      }))

    test("a session revoked by id and by subject reads as revoked by id", (revocation, now) =>
      Effect.gen(function* () {
        yield* revocation.revokeSession("s-1", now + day)
        yield* revocation.revokeSubject("u-1", now, now + day)
        expect(yield* revocation.check({ id: "s-1", subject: "u-1", signedInAt: now - hour })).toEqual(
          Option.some("session"),
        )
      }))

    test("a later revokeSubject with an earlier time does not lower it, and a later time raises it", (revocation, now) =>
      Effect.gen(function* () {
        const session = { id: "s", subject: "u-1", signedInAt: now - 5_000 }
        yield* revocation.revokeSubject("u-1", now - 1_000, now + day)
        yield* revocation.revokeSubject("u-1", now - 9_000, now + day)
        expect(yield* revocation.check(session)).toEqual(Option.some("subject"))
        const later = { id: "t", subject: "u-1", signedInAt: now - 500 }
        expect(yield* revocation.check(later)).toEqual(Option.none())
        yield* revocation.revokeSubject("u-1", now, now + day)
        expect(yield* revocation.check(later)).toEqual(Option.some("subject"))
      }))

    test("a session's record lasts until its expiresAt, then goes", (revocation) =>
      Effect.gen(function* () {
        const { lifetime, before } = store.timing
        const now = yield* Clock.currentTimeMillis
        const session = { id: "s-1", signedInAt: now - hour }
        yield* revocation.revokeSession("s-1", now + lifetime)
        yield* store.advance(before)
        expect(yield* revocation.check(session)).toEqual(Option.some("session"))
        yield* store.advance(lifetime - before)
        expect(yield* revocation.check(session)).toEqual(Option.none())
      }))

    test("a subject's record lasts until retainUntil, and an earlier retainUntil does not shorten it", (revocation) =>
      Effect.gen(function* () {
        const { lifetime, before, shorter } = store.timing
        const now = yield* Clock.currentTimeMillis
        const session = { id: "s", subject: "u-1", signedInAt: now - hour }
        yield* revocation.revokeSubject("u-1", now, now + lifetime)
        yield* revocation.revokeSubject("u-1", now, now + shorter)
        yield* store.advance(before)
        expect(yield* revocation.check(session)).toEqual(Option.some("subject"))
        yield* store.advance(lifetime - before)
        expect(yield* revocation.check(session)).toEqual(Option.none())
      }))

    test("a revocation whose time has already passed records nothing", (revocation, now) =>
      Effect.gen(function* () {
        yield* revocation.revokeSession("s-1", now)
        yield* revocation.revokeSubject("u-1", now - hour, now - 1)
        expect(yield* revocation.check({ id: "s-1", subject: "u-1", signedInAt: now - day })).toEqual(Option.none())
      }))

    test("counts every lookup by store and result, and times it", (revocation, now) =>
      Effect.gen(function* () {
        const before = { ok: yield* counted(store.name, "ok"), revoked: yield* counted(store.name, "revoked") }
        const timedBefore = yield* timed(store.name)
        yield* revocation.revokeSession("s-1", now + day)
        yield* revocation.check({ id: "s-1", signedInAt: now })
        yield* revocation.check({ id: "s-2", signedInAt: now })
        yield* revocation.check({ id: "s-3", signedInAt: now })
        expect((yield* counted(store.name, "revoked")) - before.revoked).toBe(1)
        expect((yield* counted(store.name, "ok")) - before.ok).toBe(2)
        expect((yield* timed(store.name)) - timedBefore).toBe(3)
      }))
  })
}

// ---------------------------------------------------------------------------
// Each store's own
// ---------------------------------------------------------------------------

describe("Revocation on memory", () => {
  it.effect("counts and times each lookup by store and result, never by id, and opens no span of its own", () =>
    Effect.gen(function* () {
      const spans: Array<string> = []
      const base = yield* Effect.tracer
      const capturing = Tracer.make({
        span: (name, ...rest) => {
          spans.push(name)
          return base.span(name, ...rest)
        },
        context: (f, fiber) => base.context(f, fiber),
      })
      const revoked = Metric.taggedWithLabels(Revocation.lookups, [
        MetricLabel.make("store", "memory"),
        MetricLabel.make("result", "revoked"),
      ])
      const timed = Metric.taggedWithLabels(Revocation.lookupDuration, [MetricLabel.make("store", "memory")])
      const before = { revoked: (yield* Metric.value(revoked)).count, timed: (yield* Metric.value(timed)).count }
      const revocation = yield* Revocation.makeMemory
      yield* revocation.revokeSession("secret-id", Number.MAX_SAFE_INTEGER)
      yield* revocation.check({ id: "secret-id", subject: "u-1", signedInAt: 0 }).pipe(Effect.withTracer(capturing))
      expect((yield* Metric.value(revoked)).count).toBe(before.revoked + 1)
      expect((yield* Metric.value(timed)).count).toBe(before.timed + 1)
      // The lookup runs on every request: no span of its own (a session with `spans: true` traces the read).
      expect(spans).toEqual([])
      const labels = (yield* Metric.snapshot)
        .filter((pair) => pair.metricKey.name.startsWith("effect_iron_session_revocation"))
        .flatMap((pair) => pair.metricKey.tags.map((tag) => tag.value))
      expect(labels.join(" ")).not.toContain("secret-id")
      expect(labels.join(" ")).not.toContain("u-1")
    }),
  )
})

describe("Revocation on a KeyValueStore", () => {
  const provided = <A, E>(effect: Effect.Effect<A, E, Revocation.Revocation | KeyValueStore.KeyValueStore>) =>
    effect.pipe(Effect.provide(layerKeyValueStore), Effect.provide(KeyValueStore.layerMemory))

  it.effect("keeps JSON records under effect-iron-session:sid: and :sub: keys", () =>
    provided(
      Effect.gen(function* () {
        const revocation = yield* Revocation.Revocation
        const kv = yield* KeyValueStore.KeyValueStore
        yield* revocation.revokeSession("s-1", 5_000)
        yield* revocation.revokeSubject("u-1", 1_000, 9_000)
        expect(JSON.parse(Option.getOrThrow(yield* kv.get("effect-iron-session:sid:s-1")))).toEqual({
          expiresAt: 5_000,
        })
        expect(JSON.parse(Option.getOrThrow(yield* kv.get("effect-iron-session:sub:u-1")))).toEqual({
          at: 1_000,
          expiresAt: 9_000,
        })
      }),
    ),
  )

  it.effect("removes an expired record when a lookup meets it", () =>
    provided(
      Effect.gen(function* () {
        const revocation = yield* Revocation.Revocation
        const kv = yield* KeyValueStore.KeyValueStore
        yield* revocation.revokeSession("s-1", 5_000)
        yield* revocation.revokeSubject("u-1", 1_000, 5_000)
        yield* TestClock.adjust(5_000)
        expect(yield* kv.size).toBe(2)
        expect(yield* revocation.check({ id: "s-1", subject: "u-1", signedInAt: 0 })).toEqual(Option.none())
        expect(yield* kv.size).toBe(0)
      }),
    ),
  )

  it.effect("reads a record it cannot parse as a revocation: failing closed", () =>
    provided(
      Effect.gen(function* () {
        const revocation = yield* Revocation.Revocation
        const kv = yield* KeyValueStore.KeyValueStore
        yield* kv.set("effect-iron-session:sub:u-1", "not json")
        expect(yield* revocation.check({ id: "s", subject: "u-1", signedInAt: 123 })).toEqual(Option.some("subject"))
        yield* revocation.revokeSubject("u-1", 100, 9_000)
        expect(yield* revocation.check({ id: "s", subject: "u-1", signedInAt: 123 })).toEqual(Option.none())
      }),
    ),
  )

  it.effect("fails with RevocationUnavailableError when the store fails, without the key in its message", () =>
    Effect.gen(function* () {
      const failing = KeyValueStore.make({
        get: (key) =>
          Effect.fail(
            new SystemError({
              reason: "PermissionDenied",
              module: "KeyValueStore",
              method: "get",
              pathOrDescriptor: `/var/kv/${key}`,
              description: `cannot read ${key}`,
            }),
          ),
        getUint8Array: () => Effect.succeedNone,
        set: () => Effect.void,
        remove: () => Effect.void,
        clear: Effect.void,
        size: Effect.succeed(0),
      })
      const revocation = yield* makeKeyValueStore.pipe(Effect.provideService(KeyValueStore.KeyValueStore, failing))
      const error = failureOf(yield* Effect.exit(revocation.check({ id: "secret-id", subject: "u-9", signedInAt: 0 })))
      expect(error).toBeInstanceOf(Errors.RevocationUnavailableError)
      expect(error.store).toBe("key-value-store")
      expect(error.detail).toBe("KeyValueStore.get failed (PermissionDenied)")
      expect(error.message).not.toMatch(/secret-id|u-9/)
    }),
  )
})

// ---------------------------------------------------------------------------
// cached
// ---------------------------------------------------------------------------

describe("Revocation.cached", () => {
  const window = { timeToLive: "5 seconds", capacity: 100 } as const
  const session = { id: "s-1", subject: "u-1", signedInAt: 1_000 }

  it.effect("answers from its cache for up to timeToLive, then asks the store again", () =>
    Effect.gen(function* () {
      const store = yield* Revocation.makeMemory
      const local = yield* Revocation.cached(window)(store)
      const lookupsBefore = yield* counted("memory", "ok")
      expect(yield* local.check(session)).toEqual(Option.none())
      expect(yield* local.check({ ...session })).toEqual(Option.none())
      expect((yield* counted("memory", "ok")) - lookupsBefore).toBe(1)
      // Revoked elsewhere (another instance): this one answers from its cache...
      yield* store.revokeSession("s-1", Number.MAX_SAFE_INTEGER)
      yield* TestClock.adjust("4 seconds")
      expect(yield* local.check(session)).toEqual(Option.none())
      // ...until its answer is older than timeToLive.
      yield* TestClock.adjust("1001 millis")
      expect(yield* local.check(session)).toEqual(Option.some("session"))
    }),
  )

  it.effect("sees revocations made through it at once", () =>
    Effect.gen(function* () {
      const local = yield* Revocation.cached(window)(yield* Revocation.makeMemory)
      const sibling = { id: "s-2", subject: "u-1", signedInAt: 1_000 }
      const stranger = { id: "s-3", subject: "u-2", signedInAt: 1_000 }
      expect(yield* local.check(session)).toEqual(Option.none())
      expect(yield* local.check(sibling)).toEqual(Option.none())
      expect(yield* local.check(stranger)).toEqual(Option.none())
      yield* local.revokeSession("s-1", Number.MAX_SAFE_INTEGER)
      expect(yield* local.check(session)).toEqual(Option.some("session"))
      expect(yield* local.check(sibling)).toEqual(Option.none())
      yield* local.revokeSubject("u-1", 2_000, Number.MAX_SAFE_INTEGER)
      expect(yield* local.check(sibling)).toEqual(Option.some("subject"))
      expect(yield* local.check(stranger)).toEqual(Option.none())
    }),
  )

  it.effect("never reuses an answer that was looked up while a revocation through it ran", () =>
    Effect.gen(function* () {
      const store = yield* Revocation.makeMemory
      const looked = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      let first = true
      // The first lookup reads the store, then stalls until released.
      const slow: Revocation.Revocation = {
        ...store,
        check: (ref) =>
          Effect.tap(store.check(ref), () => {
            if (!first) return Effect.void
            first = false
            return Effect.zipRight(Deferred.succeed(looked, undefined), Deferred.await(release))
          }),
      }
      const local = yield* Revocation.cached(window)(slow)
      const inFlight = yield* Effect.fork(local.check(session))
      yield* Deferred.await(looked)
      yield* local.revokeSession("s-1", Number.MAX_SAFE_INTEGER)
      yield* Deferred.succeed(release, undefined)
      // The lookup raced the revocation, so its caller may see either answer...
      yield* Fiber.join(inFlight)
      // ...but nobody after the revocation sees the old one.
      expect(yield* local.check(session)).toEqual(Option.some("session"))
    }),
  )

  it.effect("does not keep failures: the next check asks the store again", () =>
    Effect.gen(function* () {
      const store = yield* Revocation.makeMemory
      let calls = 0
      const flaky: Revocation.Revocation = {
        ...store,
        check: (ref) =>
          ++calls === 1
            ? Effect.fail(new Errors.RevocationUnavailableError({ store: "memory", detail: "down" }))
            : store.check(ref),
      }
      const local = yield* Revocation.cached(window)(flaky)
      expect(failureOf(yield* Effect.exit(local.check(session)))._tag).toBe("RevocationUnavailableError")
      expect(yield* local.check(session)).toEqual(Option.none())
      expect(calls).toBe(2)
    }),
  )

  it.effect("a store's own timeout still ends a lookup made through it", () =>
    Effect.gen(function* () {
      const store = yield* Revocation.makeMemory
      const hung: Revocation.Revocation = {
        ...store,
        check: () =>
          Effect.timeoutFail(Effect.never, {
            duration: "100 millis",
            onTimeout: () =>
              new Errors.RevocationUnavailableError({ store: "redis", detail: "no answer within 100 ms" }),
          }),
      }
      const local = yield* Revocation.cached(window)(hung)
      const checking = yield* Effect.fork(Effect.exit(local.check(session)))
      yield* TestClock.adjust("100 millis")
      expect(failureOf(yield* Fiber.join(checking)).detail).toBe("no answer within 100 ms")
    }),
  )
})

describe("Revocation.cached, attacked", () => {
  const session = { id: "s-1", subject: "u-1", signedInAt: 1_000 }
  const forever = Number.MAX_SAFE_INTEGER

  /**
   * A store in front of `store` that reads it at once and then takes `delay`
   * milliseconds (TestClock time) to answer: a slow round trip whose answer
   * is as old as its start. Counts its lookups, in all and by session id.
   */
  const slow = (store: Revocation.Revocation, delay: number) => {
    const byId = new Map<string, number>()
    const stats = { delay, total: 0, of: (id: string) => byId.get(id) ?? 0 }
    const revocation: Revocation.Revocation = {
      ...store,
      check: (ref) =>
        Effect.suspend(() => {
          stats.total++
          byId.set(ref.id, stats.of(ref.id) + 1)
          return Effect.tap(store.check(ref), () => (stats.delay > 0 ? Effect.sleep(stats.delay) : Effect.void))
        }),
    }
    return { revocation, stats }
  }

  /** The defect that building a cache with these options died with. */
  const refusal = (options: { readonly timeToLive: Duration.DurationInput; readonly capacity: number }) =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(Revocation.cached(options)(yield* Revocation.makeMemory))
      if (Exit.isSuccess(exit)) throw new Error(`${JSON.stringify(options)} was accepted`)
      return Option.getOrThrow(Cause.dieOption(exit.cause))
    })

  it.effect(
    "a capacity of 0, -1, NaN, Infinity or 1.5 is refused with a message that says to give a positive whole number",
    () =>
      Effect.gen(function* () {
        for (const capacity of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1.5]) {
          const error = yield* refusal({ timeToLive: "2 seconds", capacity })
          expect(error).toBeInstanceOf(Errors.InvalidOptionError)
          expect((error as Errors.InvalidOptionError).option).toBe("capacity")
          expect((error as Errors.InvalidOptionError).message).toMatch(/positive whole number.*such as 10_000/)
        }
      }),
  )

  it.effect(
    "a timeToLive of zero, below zero, infinite or unreadable is refused with a message that says to give a short positive one",
    () =>
      Effect.gen(function* () {
        // "soon" is no DurationInput, but a JavaScript caller or a cast can pass it.
        const refused: ReadonlyArray<Duration.DurationInput> = [
          0,
          "0 millis",
          -1_000,
          Duration.infinity,
          "soon" as unknown as Duration.DurationInput,
        ]
        for (const timeToLive of refused) {
          const error = yield* refusal({ timeToLive, capacity: 100 })
          expect(error).toBeInstanceOf(Errors.InvalidOptionError)
          expect((error as Errors.InvalidOptionError).option).toBe("timeToLive")
          expect((error as Errors.InvalidOptionError).message).toMatch(/such as "2 seconds"/)
        }
      }),
  )

  it.effect("a cache of capacity 100 keeps at most 100 answers under 2,000 concurrent lookups", () =>
    Effect.gen(function* () {
      const store = yield* Revocation.makeMemory
      // Every lookup waits at the gate, so all 2,000 are in flight at once.
      const gate = yield* Deferred.make<void>()
      let lookups = 0
      const gated: Revocation.Revocation = {
        ...store,
        check: (ref) =>
          Effect.sync(() => {
            lookups++
          }).pipe(Effect.zipRight(Deferred.await(gate)), Effect.zipRight(store.check(ref))),
      }
      const local = yield* Revocation.cached({ timeToLive: "1 minute", capacity: 100 })(gated)
      const refs = Array.from({ length: 2_000 }, (_, i) => ({ id: `s-${i}`, signedInAt: 0 }))
      const all = Effect.forEach(refs, (ref) => local.check(ref), { concurrency: "unbounded", discard: true })
      const first = yield* Effect.fork(all)
      yield* Effect.repeat(Effect.yieldNow(), { until: () => lookups === 2_000 })
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(first)
      // Asked again, all at once, well within timeToLive: at most 100 come from the cache.
      yield* all
      expect(lookups - 2_000).toBeGreaterThanOrEqual(1_900)
      // And it does keep 100: 100 sessions asked twice in a row, the second time all from the cache.
      const hundred = refs.slice(0, 100)
      yield* Effect.forEach(hundred, (ref) => local.check(ref), { discard: true })
      const before = lookups
      yield* Effect.forEach(hundred, (ref) => local.check(ref), { discard: true })
      expect(lookups).toBe(before)
    }),
  )

  it.effect("a cache of capacity 3 lets the least recently used answer go first", () =>
    Effect.gen(function* () {
      const { revocation, stats } = slow(yield* Revocation.makeMemory, 0)
      const local = yield* Revocation.cached({ timeToLive: "1 minute", capacity: 3 })(revocation)
      const ask = (id: string) => local.check({ id, signedInAt: 0 })
      for (const id of ["a", "b", "c", "a", "d"]) yield* ask(id) // a is used again, so b goes
      expect(stats.total).toBe(4)
      for (const id of ["a", "c", "d"]) yield* ask(id)
      expect(stats.total).toBe(4)
      yield* ask("b")
      expect(stats.of("b")).toBe(2)
    }),
  )

  it.effect(
    "revocations arriving faster than a store round trip do not keep a lookup retrying: it answers after at most two store lookups",
    () =>
      Effect.gen(function* () {
        const store = yield* Revocation.makeMemory
        const { revocation, stats } = slow(store, 100)
        const local = yield* Revocation.cached({ timeToLive: "5 seconds", capacity: 100 })(revocation)
        const checking = yield* Effect.fork(local.check(session))
        yield* TestClock.adjust("1 millis")
        // This session revoked through the cache every 25 ms for a second, faster than a 100 ms round trip.
        const revoking = yield* Effect.fork(
          Effect.repeat(
            local.revokeSession("s-1", forever),
            Schedule.spaced("25 millis").pipe(Schedule.upTo("1 second")),
          ),
        )
        yield* TestClock.adjust("250 millis")
        const answer = yield* Fiber.poll(checking)
        expect(Option.isSome(answer)).toBe(true)
        // The second lookup started after a revocation had completed: it saw it.
        expect(yield* Fiber.join(checking)).toEqual(Option.some("session"))
        expect(stats.of("s-1")).toBe(2)
        yield* Fiber.interrupt(revoking)
      }),
  )

  it.effect(
    "revocations of other sessions and subjects, or of its subject before its sign-in, do not make a lookup ask the store again",
    () =>
      Effect.gen(function* () {
        const { revocation, stats } = slow(yield* Revocation.makeMemory, 100)
        const local = yield* Revocation.cached({ timeToLive: "5 seconds", capacity: 100 })(revocation)
        const others = Effect.all([
          local.revokeSession("s-2", forever),
          local.revokeSubject("u-2", 5_000, forever),
          local.revokeSubject("u-1", session.signedInAt - 1, forever),
        ])
        const checking = yield* Effect.fork(local.check(session))
        yield* TestClock.adjust("1 millis")
        yield* others // while the lookup is in flight
        yield* TestClock.adjust("300 millis")
        expect(yield* Fiber.join(checking)).toEqual(Option.none())
        expect(stats.of("s-1")).toBe(1)
        yield* others // while its answer is kept
        expect(yield* local.check(session)).toEqual(Option.none())
        expect(stats.of("s-1")).toBe(1)
      }),
  )

  it.effect("an answer is not served later than timeToLive after its lookup started, however slow the store", () =>
    Effect.gen(function* () {
      const store = yield* Revocation.makeMemory
      const { revocation, stats } = slow(store, 250)
      const local = yield* Revocation.cached({ timeToLive: "2 seconds", capacity: 100 })(revocation)
      const checked = (ref: Revocation.SessionRef) =>
        Effect.gen(function* () {
          const fiber = yield* Effect.fork(local.check(ref))
          yield* TestClock.adjust("250 millis")
          return yield* Fiber.join(fiber)
        })
      // Read at 0, answered at 250; revoked elsewhere (another instance) at 1.
      const first = yield* Effect.fork(local.check(session))
      yield* TestClock.adjust("1 millis")
      yield* store.revokeSession("s-1", forever)
      yield* TestClock.adjust("249 millis")
      expect(yield* Fiber.join(first)).toEqual(Option.none())
      yield* TestClock.adjust("1749 millis") // 1,999 ms after the lookup started
      expect(yield* local.check(session)).toEqual(Option.none())
      expect(stats.of("s-1")).toBe(1)
      yield* TestClock.adjust("1 millis") // 2,000 ms: the answer may be that old, so it is not served
      expect(yield* checked(session)).toEqual(Option.some("session"))
      expect(stats.of("s-1")).toBe(2)
    }),
  )

  it.effect("a check made timeToLive after a lookup started does not wait for that lookup's answer", () =>
    Effect.gen(function* () {
      const store = yield* Revocation.makeMemory
      const { revocation, stats } = slow(store, 3_000)
      const local = yield* Revocation.cached({ timeToLive: "2 seconds", capacity: 100 })(revocation)
      const first = yield* Effect.fork(local.check(session))
      yield* TestClock.adjust("1 millis")
      yield* store.revokeSession("s-1", forever) // elsewhere
      yield* TestClock.adjust("1999 millis")
      const second = yield* Effect.fork(local.check(session))
      yield* TestClock.adjust("3 seconds")
      expect(yield* Fiber.join(first)).toEqual(Option.none())
      expect(yield* Fiber.join(second)).toEqual(Option.some("session"))
      expect(stats.of("s-1")).toBe(2)
    }),
  )

  it.effect("concurrent checks of one session share one store lookup", () =>
    Effect.gen(function* () {
      const { revocation, stats } = slow(yield* Revocation.makeMemory, 100)
      const local = yield* Revocation.cached({ timeToLive: "5 seconds", capacity: 100 })(revocation)
      const checks = yield* Effect.fork(
        Effect.all(
          Array.from({ length: 50 }, () => local.check({ ...session })),
          { concurrency: "unbounded" },
        ),
      )
      yield* TestClock.adjust("100 millis")
      expect(yield* Fiber.join(checks)).toEqual(Array.from({ length: 50 }, () => Option.none()))
      expect(stats.total).toBe(1)
    }),
  )

  it.effect("a check that gives up does not cancel the lookup for the checks waiting with it", () =>
    Effect.gen(function* () {
      const { revocation, stats } = slow(yield* Revocation.makeMemory, 100)
      const local = yield* Revocation.cached({ timeToLive: "5 seconds", capacity: 100 })(revocation)
      const first = yield* Effect.fork(local.check(session))
      yield* TestClock.adjust("1 millis")
      const second = yield* Effect.fork(local.check(session))
      yield* TestClock.adjust("1 millis")
      yield* Fiber.interrupt(first) // its request was aborted
      yield* TestClock.adjust("100 millis")
      expect(yield* Fiber.join(second)).toEqual(Option.none())
      expect(yield* local.check(session)).toEqual(Option.none())
      expect(stats.total).toBe(1)
    }),
  )
})

// ---------------------------------------------------------------------------
// Redis
// ---------------------------------------------------------------------------

describe.skipIf(!withRedis)("Revocation on Redis", () => {
  /** A plain client, to look at what the store wrote and at the server's counters. */
  const raw = Effect.acquireRelease(
    Effect.sync(() => new Redis(redisUrl()).on("error", () => {})),
    (client) => Effect.promise(() => client.quit()),
  )

  const info = (client: Redis, section: string) =>
    Effect.promise(() => client.info(section)).pipe(
      Effect.map((text) => Object.fromEntries(text.split("\r\n").map((line) => line.split(":") as [string, string]))),
    )

  it.scopedLive("reads both keys of a check in one MGET", () =>
    Effect.gen(function* () {
      const client = yield* raw
      const revocation = yield* makeRedis({ url: redisUrl(), prefix: freshPrefix() })
      yield* Effect.promise(() => client.config("RESETSTAT"))
      yield* revocation.check({ id: "s-1", subject: "u-1", signedInAt: 0 })
      const stats = yield* info(client, "commandstats")
      const calls = Object.keys(stats).filter((key) => /^cmdstat_(?!info|config)/.test(key))
      expect(calls).toEqual(["cmdstat_mget"])
      expect(stats.cmdstat_mget).toMatch(/^calls=1,/)
    }),
  )

  it.scopedLive("writes a session record with a PX expiry and keeps a subject's latest time", () =>
    Effect.gen(function* () {
      const client = yield* raw
      const prefix = freshPrefix()
      const revocation = yield* makeRedis({ url: redisUrl(), prefix })
      const now = Date.now()
      yield* revocation.revokeSession("s-1", now + 60_000)
      expect(yield* Effect.promise(() => client.get(`${prefix}sid:s-1`))).toBe("1")
      const ttl = yield* Effect.promise(() => client.pttl(`${prefix}sid:s-1`))
      expect(ttl).toBeGreaterThan(55_000)
      expect(ttl).toBeLessThanOrEqual(60_000)

      const key = `${prefix}sub:u-1`
      yield* revocation.revokeSubject("u-1", now, now + 60_000)
      yield* revocation.revokeSubject("u-1", now - 5_000, now + 120_000)
      expect(yield* Effect.promise(() => client.get(key))).toBe(String(now))
      expect(yield* Effect.promise(() => client.pttl(key))).toBeGreaterThan(115_000)
      yield* revocation.revokeSubject("u-1", now + 1, now + 30_000)
      expect(yield* Effect.promise(() => client.get(key))).toBe(String(now + 1))
      expect(yield* Effect.promise(() => client.pttl(key))).toBeGreaterThan(115_000)
    }),
  )

  it.scopedLive(
    "fails fast while the server is down, without keys or values in the error, and recovers when it is back",
    () =>
      Effect.gen(function* () {
        const server = redis!
        const prefix = freshPrefix()
        const revocation = yield* makeRedis({ url: redisUrl(), prefix })
        const session = { id: "secret-session-id", subject: "secret-subject", signedInAt: Date.now() }
        yield* revocation.revokeSession(session.id, Date.now() + 60_000)
        expect(yield* revocation.check(session)).toEqual(Option.some("session"))
        const unavailableBefore = yield* counted("redis", "unavailable")

        yield* Effect.promise(() => server.stop())
        const started = Date.now()
        const error = failureOf(yield* Effect.exit(revocation.check(session)))
        const elapsed = Date.now() - started
        expect(elapsed).toBeLessThan(1_000)
        expect(error).toBeInstanceOf(Errors.RevocationUnavailableError)
        expect(error.store).toBe("redis")
        expect(error.message).not.toMatch(/secret|test:|sid:|sub:/)
        expect((yield* counted("redis", "unavailable")) - unavailableBefore).toBe(1)
        // Once ioredis has noticed, commands are refused without waiting for the timeout.
        const again = failureOf(yield* Effect.exit(revocation.revokeSubject("secret-subject", 1, Date.now() + 60_000)))
        expect(again.detail).toMatch(/not connected|connection/)

        // A new server on the same port (empty: no persistence), the same layer.
        yield* Effect.promise(() => server.start())
        const recovered = yield* Effect.retry(revocation.check(session), {
          schedule: Schedule.spaced("50 millis"),
          times: 100,
        })
        expect(recovered).toEqual(Option.none())
        yield* revocation.revokeSession(session.id, Date.now() + 60_000)
        expect(yield* revocation.check(session)).toEqual(Option.some("session"))
      }),
    15_000,
  )

  it.scopedLive("fails after its timeout when the server does not answer", () =>
    Effect.gen(function* () {
      const server = redis!
      const revocation = yield* makeRedis({ url: redisUrl(), prefix: freshPrefix(), timeout: "100 millis" })
      server.pause()
      yield* Effect.addFinalizer(() => Effect.sync(() => server.resume()))
      const started = Date.now()
      const error = failureOf(yield* Effect.exit(revocation.check({ id: "s-1", signedInAt: 0 })))
      const elapsed = Date.now() - started
      server.resume()
      expect(error.detail).toBe("no answer within 100 ms")
      expect(elapsed).toBeGreaterThanOrEqual(95)
      expect(elapsed).toBeLessThan(1_000)
      expect(yield* revocation.check({ id: "s-1", signedInAt: 0 })).toEqual(Option.none())
    }),
  )

  it.scopedLive(
    "drops a connection that stops answering, fails at once meanwhile, and is back when the server is",
    () =>
      Effect.gen(function* () {
        const server = redis!
        const session = { id: "s-1", signedInAt: 0 }
        const revocation = yield* makeRedis({ url: redisUrl(), prefix: freshPrefix(), timeout: "50 millis" })
        server.pause()
        yield* Effect.addFinalizer(() => Effect.sync(() => server.resume()))
        for (let i = 0; i < 3; i++) {
          expect(failureOf(yield* Effect.exit(revocation.check(session))).detail).toBe("no answer within 50 ms")
        }
        // Three in a row: the connection was dropped, and the new one is not ready.
        const error = failureOf(yield* Effect.exit(revocation.check(session)))
        expect(error.detail).toBe("not connected (reconnecting)")
        server.resume()
        const answer = yield* Effect.retry(revocation.check(session), {
          schedule: Schedule.spaced("50 millis"),
          times: 60,
        })
        expect(answer).toEqual(Option.none())
      }),
  )

  it.scopedLive("bounds every command of an app's own client by the timeout, offline queue or not", () =>
    Effect.gen(function* () {
      const server = redis!
      const client = yield* raw // ioredis defaults: an offline queue, 20 retries per request
      const revocation = yield* makeRedis({ client, prefix: freshPrefix() })
      yield* Effect.promise(() => server.stop())
      yield* Effect.addFinalizer(() => Effect.promise(() => server.start()))
      const started = Date.now()
      const error = failureOf(yield* Effect.exit(revocation.check({ id: "s-1", signedInAt: 0 })))
      expect(Date.now() - started).toBeLessThan(1_000)
      expect(error._tag).toBe("RevocationUnavailableError")
    }),
  )

  it.live("fails to build, at once and naming the cause, when nothing listens at the URL", () =>
    Effect.gen(function* () {
      const server = redis!
      yield* Effect.promise(() => server.stop())
      const started = Date.now()
      const exit = yield* Effect.exit(Layer.build(layerRedis({ url: redisUrl() })).pipe(Effect.scoped))
      const elapsed = Date.now() - started
      yield* Effect.promise(() => server.start())
      const error = failureOf(exit)
      expect(error._tag).toBe("RevocationUnavailableError")
      expect(error.detail).toBe("connection failed (ECONNREFUSED)")
      expect(elapsed).toBeLessThan(1_000)
    }),
  )

  it.scopedLive("closes the connection it opened when released, and leaves an app's own client open", () =>
    Effect.gen(function* () {
      const client = yield* raw
      const connected = Effect.map(info(client, "clients"), (clients) => Number(clients.connected_clients))
      const before = yield* connected
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* Layer.build(layerRedis({ url: Redacted.make(redisUrl()) }))
          expect(yield* connected).toBe(before + 1)
        }),
      )
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
      expect(yield* connected).toBe(before)
      yield* Effect.scoped(Layer.build(layerRedis({ client })))
      expect(client.status).toBe("ready")
    }),
  )

  it.live("reads its URL and options from Config, and fails to build without a URL", () =>
    Effect.gen(function* () {
      const layer = layerRedisConfig({
        url: Config.redacted("REDIS_URL"),
        timeout: Config.duration("REVOCATION_TIMEOUT"),
      })
      const withUrl = ConfigProvider.fromMap(
        new Map([
          ["REDIS_URL", redisUrl()],
          ["REVOCATION_TIMEOUT", "1 second"],
        ]),
      )
      const answer = yield* Effect.flatMap(Revocation.Revocation, (r) => r.check({ id: "nobody", signedInAt: 0 })).pipe(
        Effect.provide(layer),
        Effect.withConfigProvider(withUrl),
      )
      expect(answer).toEqual(Option.none())
      const missing = yield* Effect.exit(
        Layer.build(layer).pipe(Effect.scoped, Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))),
      )
      expect(failureOf(missing)._tag).toBe("ConfigError")
    }),
  )
})
