/**
 * Revocation: ending sessions before their seals expire.
 *
 * A sealed cookie is valid until it expires, wherever it is. To end one
 * earlier (sign out, a replaced session, "sign out everywhere" after a
 * password change) the server keeps a small record that says so, and checks
 * it on every read. This module is that record's store:
 *
 * - **by session**: {@link Revocation.revokeSession} marks one session id as
 *   revoked until its seal would have expired anyway;
 * - **by subject**: {@link Revocation.revokeSubject} marks every session of a
 *   user signed in at or before a moment as revoked. It keeps one small record
 *   per user (the latest such moment), never a list of sessions.
 *
 * Three stores, one behaviour: {@link layerMemory} (one process, and tests),
 * {@link layerKeyValueStore} (any `@effect/platform` KeyValueStore) and
 * {@link layerRedis} (shared by every instance of the app). {@link cached}
 * puts a short local cache in front of any of them.
 *
 * A store that cannot be reached fails with `RevocationUnavailableError`;
 * what a session does then (refuse, or accept with a warning) is the session's
 * policy, not the store's. Every lookup is counted in {@link lookups}, timed
 * in {@link lookupDuration} and traced as a `Revocation.check` span.
 *
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { Revocation } from "effect-iron-session"
 *
 * const program = Effect.gen(function* () {
 *   const revocation = yield* Revocation.Revocation
 *   const session = { id: "s1", subject: "user-42", signedInAt: Date.parse("2026-01-01T10:00:00Z") }
 *
 *   // The user changed their password: end every session they have.
 *   yield* revocation.revokeSubject("user-42", Date.parse("2026-01-01T12:00:00Z"), Date.parse("2026-01-31T12:00:00Z"))
 *
 *   const revoked = yield* revocation.check(session) // Option.some("subject")
 *   return Option.getOrUndefined(revoked)
 * })
 *
 * program.pipe(Effect.provide(Revocation.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
import type * as KeyValueStore from "@effect/platform/KeyValueStore"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Metric from "effect/Metric"
import type * as MetricKeyType from "effect/MetricKeyType"
import type * as MetricState from "effect/MetricState"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { Redis } from "ioredis"
import type { RevocationUnavailableError } from "./Errors.js"
import * as config from "./internal/config.js"
import * as internal from "./internal/revocation.js"
import * as redis from "./internal/revocationRedis.js"

/**
 * What a store needs to know of a session to tell whether it is revoked.
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionRef {
  /** The session's id: random, unique to one sign-in. */
  readonly id: string
  /** Whose session it is (a user id), if the session has an owner. */
  readonly subject?: string | undefined
  /** When the user signed in, in milliseconds since the epoch. */
  readonly signedInAt: number
}

/**
 * A revocation store.
 *
 * Times are milliseconds since the epoch, read from Effect's `Clock` by the
 * memory and KeyValueStore stores (so `TestClock` moves them), and turned into
 * time-to-live by the Redis store (so the Redis host's clock does not matter).
 *
 * @since 0.1.0
 * @category models
 */
export interface Revocation {
  /**
   * Whether a session is revoked: `"session"` when its id was revoked,
   * `"subject"` when its subject was revoked at or after its `signedInAt`
   * (the id is checked first). At most one round trip to the backing store.
   */
  readonly check: (
    session: SessionRef,
  ) => Effect.Effect<Option.Option<"session" | "subject">, RevocationUnavailableError>
  /**
   * Revokes one session until `expiresAt`: after that its seal has expired
   * anyway, so the record can go. A time already past writes nothing. Revoking
   * the same id again replaces the record.
   */
  readonly revokeSession: (sessionId: string, expiresAt: number) => Effect.Effect<void, RevocationUnavailableError>
  /**
   * Revokes every session of `subject` signed in at or before `at`: "sign out
   * everywhere". One small record per subject that keeps the latest `at`, so
   * an earlier time never lowers it. `retainUntil` is when no session signed
   * in before `at` can still be alive (the session's absolute lifetime after
   * `at`); the record is kept until then, and its retention only ever grows.
   */
  readonly revokeSubject: (
    subject: string,
    at: number,
    retainUntil: number,
  ) => Effect.Effect<void, RevocationUnavailableError>
}

/**
 * The revocation store the sessions built in its scope check. Without one
 * provided, it is one in-memory store for the whole process (see
 * {@link makeMemory}): right for one process and for tests. Provide
 * {@link layerRedis} (or {@link layerKeyValueStore}) for an app on several
 * machines, where a revocation made on one must reach the others.
 *
 * @since 0.1.0
 * @category tags
 */
export const Revocation: Context.Reference<Revocation, Revocation> = Context.Reference<Revocation>()(
  "effect-iron-session/Revocation",
  { defaultValue: () => Effect.runSync(internal.makeMemory) },
)

/**
 * Revocation lookups, a counter tagged `store` (`memory`, `key-value-store`,
 * `redis`) and `result` (`ok`: not revoked, `revoked`, `unavailable`: the
 * store failed). Answers served by {@link cached} without a lookup are not
 * counted.
 *
 * @example
 * ```ts
 * import { Effect, Metric } from "effect"
 * import { Revocation } from "effect-iron-session"
 *
 * const unavailable = Metric.value(
 *   Revocation.lookups.pipe(Metric.tagged("store", "redis"), Metric.tagged("result", "unavailable")),
 * ) // Effect<MetricState.Counter<number>>: read it, or export every metric with your OpenTelemetry setup
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const lookups: Metric.Metric.Counter<number> = internal.lookups

/**
 * How long revocation lookups take, a histogram in milliseconds tagged
 * `store` (and `time_unit`, as every Effect timer).
 *
 * @since 0.1.0
 * @category metrics
 */
export const lookupDuration: Metric.Metric<
  MetricKeyType.MetricKeyType.Histogram,
  Duration.Duration,
  MetricState.MetricState.Histogram
> = internal.lookupDuration

/**
 * An in-process store. Expired records are dropped when a lookup meets them,
 * and by a sweep that runs as records are written (amortised: once the writes
 * since the last sweep reach the number of records). Time comes from `Clock`.
 *
 * It is right for one process (its records die with it) and for tests; when
 * the app runs on several instances, a session revoked on one must be refused
 * by all: use {@link layerRedis}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory: Effect.Effect<Revocation> = internal.makeMemory

/**
 * An in-process store, see {@link makeMemory}: the default for one process
 * and for tests.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<Revocation> = Layer.effect(Revocation, makeMemory)

/**
 * A store on any `@effect/platform` `KeyValueStore`, under the keys
 * `effect-iron-session:sid:<id>` (JSON `{"expiresAt":…}`) and
 * `effect-iron-session:sub:<subject>` (JSON `{"at":…,"expiresAt":…}`);
 * wrap the KeyValueStore in `KeyValueStore.prefix` to move them.
 *
 * What a KeyValueStore cannot do, and what that costs:
 *
 * - It cannot read two keys in one call: `check` reads the session's and the
 *   subject's keys concurrently, one round trip of time in two requests.
 * - It has no expiry: records carry their own, are ignored once past it, and
 *   are removed when a lookup meets them (one more request, once per record).
 *   Records never looked up again stay; clear the store now and then.
 * - It has no compare-and-set: `revokeSubject` reads, compares and writes,
 *   one call at a time within this instance, but two processes writing the
 *   same subject at once could keep the earlier time. Use {@link layerRedis}
 *   for several processes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeKeyValueStore: Effect.Effect<Revocation, never, KeyValueStore.KeyValueStore> =
  internal.makeKeyValueStore

/**
 * A store on the app's `KeyValueStore`: see {@link makeKeyValueStore}.
 *
 * @example
 * ```ts
 * import { KeyValueStore } from "@effect/platform"
 * import { Layer } from "effect"
 * import { Revocation } from "effect-iron-session"
 *
 * const RevocationLive = Revocation.layerKeyValueStore.pipe(
 *   Layer.provide(KeyValueStore.layerMemory), // or layerFileSystem(dir), layerStorage(...)
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerKeyValueStore: Layer.Layer<Revocation, never, KeyValueStore.KeyValueStore> = Layer.effect(
  Revocation,
  makeKeyValueStore,
)

/**
 * How the Redis store reaches Redis: a URL (the store then owns its
 * connection and closes it when its scope closes), or a client the app owns
 * (used as it is, never closed here), as `@effect/experimental`'s Redis
 * persistence takes one: an app can share one ioredis client between both.
 *
 * @since 0.1.0
 * @category models
 */
export type RedisConnection =
  | {
      /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS; `Config.redacted` keeps the password out of logs. */
      readonly url: string | Redacted.Redacted<string>
      readonly client?: undefined
    }
  | {
      /** An ioredis 5 client. */
      readonly client: Redis
      readonly url?: undefined
    }

/**
 * @since 0.1.0
 * @category models
 */
export type RedisOptions = RedisConnection & {
  /** Prepended to every key; `effect-iron-session:` by default (`<prefix>sid:<id>`, `<prefix>sub:<subject>`). */
  readonly prefix?: string | undefined
  /**
   * How long one command may take before it fails with
   * `RevocationUnavailableError`: 250 ms by default. A check runs on every
   * session read, so an unhealthy Redis must not hold requests for long.
   */
  readonly timeout?: Duration.DurationInput | undefined
  /** How long building the layer waits for a connection: 5 seconds by default. */
  readonly connectTimeout?: Duration.DurationInput | undefined
}

/**
 * A store on Redis (6.0 or newer), shared by every instance of the app.
 *
 * - A session record is `SET <prefix>sid:<id> 1 PX <ms until expiresAt>`.
 * - A subject record holds the latest `at`, kept atomically by a small Lua
 *   script (set when absent or lower; the expiry only grows).
 * - `check` is one `MGET` of both keys: one round trip.
 *
 * It fails fast while Redis is away: a client made from a URL has no offline
 * queue and does not retry commands, and every command (on any client) fails
 * after `timeout`, with a `RevocationUnavailableError` whose `detail` says
 * what happened and never names a key or a value. The client reconnects by
 * itself, at most a second apart, and checks work again as soon as it has.
 * A connection it owns that lets three commands in a row time out (a peer
 * gone without closing it, which TCP takes minutes to notice) is dropped and
 * made again.
 *
 * Building it fails when Redis cannot be reached within `connectTimeout`
 * (at once when the connection is refused), so a wrong URL is found at
 * start-up, not on the first request.
 *
 * Redis Cluster is not supported: `MGET` needs both keys in one slot.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRedis: (options: RedisOptions) => Effect.Effect<Revocation, RevocationUnavailableError, Scope.Scope> =
  redis.make

/**
 * A store on Redis: see {@link makeRedis}. Built from a URL, the layer owns
 * its connection and quits it when released.
 *
 * @example
 * ```ts
 * import { Effect, Layer, Option } from "effect"
 * import { Revocation } from "effect-iron-session"
 *
 * const RevocationLive = Revocation.layerRedis({ url: "redis://127.0.0.1:6379", timeout: "200 millis" })
 *
 * const signOut = (sessionId: string, sealExpiresAt: number) =>
 *   Effect.flatMap(Revocation.Revocation, (revocation) => revocation.revokeSession(sessionId, sealExpiresAt))
 *
 * const isRevoked = (session: Revocation.SessionRef) =>
 *   Effect.flatMap(Revocation.Revocation, (revocation) => revocation.check(session)).pipe(Effect.map(Option.isSome))
 *
 * // With a client the app already has (never closed here):
 * // Revocation.layerRedis({ client: redisClient, prefix: "myapp:" })
 * const program = signOut("s1", Date.now() + 60_000).pipe(Effect.provide(RevocationLive))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerRedis = (options: RedisOptions): Layer.Layer<Revocation, RevocationUnavailableError> =>
  Layer.scoped(Revocation, makeRedis(options))

/**
 * Options of {@link layerRedisConfig}: each a value or a `Config` of it.
 *
 * @since 0.1.0
 * @category models
 */
export interface RedisConfigOptions {
  readonly url: config.Configurable<string | Redacted.Redacted<string>>
  readonly prefix?: config.Configurable<string> | undefined
  readonly timeout?: config.Configurable<Duration.DurationInput> | undefined
  readonly connectTimeout?: config.Configurable<Duration.DurationInput> | undefined
}

/**
 * A store on Redis whose URL (and options) come from `Config`: see
 * {@link makeRedis}. A missing URL fails the layer with a `ConfigError`.
 *
 * @example
 * ```ts
 * import { Config } from "effect"
 * import { Revocation } from "effect-iron-session"
 *
 * const RevocationLive = Revocation.layerRedisConfig({
 *   url: Config.redacted("REDIS_URL"),
 *   timeout: Config.duration("REVOCATION_TIMEOUT").pipe(Config.withDefault("250 millis")),
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerRedisConfig = (
  options: RedisConfigOptions,
): Layer.Layer<Revocation, RevocationUnavailableError | ConfigError.ConfigError> =>
  Layer.scoped(
    Revocation,
    Effect.gen(function* () {
      const url = yield* config.configured(options.url)
      const prefix = yield* config.configured(options.prefix)
      const timeout = yield* config.configured(options.timeout)
      const connectTimeout = yield* config.configured(options.connectTimeout)
      return yield* makeRedis({ url, prefix, timeout, connectTimeout })
    }),
  )

/**
 * Puts a short local cache in front of a store, so that a busy session does
 * not cost a lookup on every request.
 *
 * **The window.** An answer is served at most `timeToLive` after its lookup
 * started (the earliest the store may have read it), however long the store
 * took to give it: a revocation made elsewhere (another instance, another
 * process) is seen by this one at most `timeToLive` late. Checks of a session
 * that start while a lookup of it runs wait for that one (one round trip for
 * all), if it started less than `timeToLive` before them.
 *
 * Revocations made through *this* value are seen at once: they remove the
 * answers they can change (those of the revoked id; those of the subject's
 * sessions signed in at or before its time), and a lookup in flight across
 * one is never kept: its callers ask the store once more, and take that
 * answer whatever races it, so a check waits for at most two lookups however
 * fast revocations come. A revocation of other ids or subjects changes
 * nothing for a session. Failures are not cached. At most `capacity` answers
 * are kept, least recently used first out, however many lookups run at once
 * (a lookup in flight is not an answer kept, and its answer, once kept,
 * counts like any other).
 *
 * `capacity` must be a positive whole number and `timeToLive` a positive,
 * finite duration: building the cache with anything else dies with an
 * `InvalidOptionError` that says what to give (a bug of the program, found
 * when its layer is built).
 *
 * Keep `timeToLive` short (a few seconds): it is how long a stolen cookie
 * keeps working on an instance after "sign out everywhere" elsewhere.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Revocation } from "effect-iron-session"
 *
 * // Redis, with each instance reusing answers for up to 2 seconds.
 * const RevocationLive = Layer.effect(
 *   Revocation.Revocation,
 *   Effect.flatMap(Revocation.Revocation, Revocation.cached({ timeToLive: "2 seconds", capacity: 10_000 })),
 * ).pipe(Layer.provide(Revocation.layerRedis({ url: "redis://127.0.0.1:6379" })))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const cached: (options: {
  readonly timeToLive: Duration.DurationInput
  readonly capacity: number
}) => (self: Revocation) => Effect.Effect<Revocation> = internal.cached
