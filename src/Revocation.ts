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
 * Three stores, one behaviour: {@link layerMemory} here (one process, and
 * tests), `layerKeyValueStore` from `effect-iron-session/KeyValueStore` (any
 * `@effect/platform` KeyValueStore) and `layerRedis` from
 * `effect-iron-session/Redis` (shared by every instance of the app). Those two
 * are entries of their own because each needs an optional peer
 * (`@effect/platform`, `ioredis`): this module, its types included, needs
 * nothing but `effect`, so an app without them still typechecks with
 * `skipLibCheck: false`. {@link cached} puts a short local cache in front of
 * any of them.
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
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Metric from "effect/Metric"
import type * as MetricKeyType from "effect/MetricKeyType"
import type * as MetricState from "effect/MetricState"
import type * as Option from "effect/Option"
import type { RevocationUnavailableError } from "./Errors.js"
import * as internal from "./internal/revocation.js"

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
 * `layerRedis` from `effect-iron-session/Redis` (or `layerKeyValueStore` from
 * `effect-iron-session/KeyValueStore`) for an app on several machines, where
 * a revocation made on one must reach the others.
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
 * import { Metric } from "effect"
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
 * by all: use `layerRedis` from `effect-iron-session/Redis`.
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
 * import { layerRedis } from "effect-iron-session/Redis"
 *
 * // Redis, with each instance reusing answers for up to 2 seconds.
 * const RevocationLive = Layer.effect(
 *   Revocation.Revocation,
 *   Effect.flatMap(Revocation.Revocation, Revocation.cached({ timeToLive: "2 seconds", capacity: 10_000 })),
 * ).pipe(Layer.provide(layerRedis({ url: "redis://127.0.0.1:6379" })))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const cached: (options: {
  readonly timeToLive: Duration.DurationInput
  readonly capacity: number
}) => (self: Revocation) => Effect.Effect<Revocation> = internal.cached
