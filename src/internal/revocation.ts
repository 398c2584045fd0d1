/**
 * The work behind `Revocation`: the rule every store answers by, the metrics
 * and span every store reports, the in-process and KeyValueStore stores, and
 * the local cache. The Redis store is in `revocationRedis.ts`, so that this
 * file never names `ioredis`.
 *
 * @internal
 */

import type * as PlatformError from "@effect/platform/Error"
import type * as KeyValueStore from "@effect/platform/KeyValueStore"
import * as Cache from "effect/Cache"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import * as Option from "effect/Option"
import { RevocationUnavailableError } from "../Errors.js"
import type { Revocation, SessionRef } from "../Revocation.js"

/** The stores, as named in metrics, spans and `RevocationUnavailableError.store`. */
export type StoreName = "memory" | "key-value-store" | "redis"

/** What a lookup found: a tag of the lookup counter. */
export type LookupResult = "ok" | "revoked" | "unavailable"

/** Where key-value stores keep records: `<prefix>sid:<id>` and `<prefix>sub:<subject>`. */
export const defaultPrefix = "effect-iron-session:"

export const sessionKey = (prefix: string, id: string): string => `${prefix}sid:${id}`
export const subjectKey = (prefix: string, subject: string): string => `${prefix}sub:${subject}`

/**
 * The one rule of every store: revoked by id first (the more specific
 * reason), then by subject when the subject was revoked at or after the
 * session's sign-in. `subjectAt` is the latest revocation time of the
 * session's subject, if it has one.
 */
export const verdict = (
  session: SessionRef,
  sessionRevoked: boolean,
  subjectAt: number | undefined,
): Option.Option<"session" | "subject"> =>
  sessionRevoked
    ? Option.some("session")
    : subjectAt !== undefined && session.signedInAt <= subjectAt
      ? Option.some("subject")
      : Option.none()

/**
 * A stored subject time. A value that is not a number can only come from a
 * bug or a hand edit; it is read as "every session of the subject is revoked",
 * failing closed like the rest of the library, until the next `revokeSubject`
 * writes a good one.
 */
export const subjectTime = (raw: string): number => {
  const at = Number(raw)
  return raw.trim() !== "" && Number.isFinite(at) ? at : Number.POSITIVE_INFINITY
}

// ---------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------

export const lookups = Metric.counter("effect_iron_session_revocation_lookups", {
  description: "Revocation lookups, by store and result (ok, revoked, unavailable).",
  incremental: true,
})

/** Milliseconds: local stores answer in microseconds, Redis in about a millisecond, a timeout at 250. */
export const lookupDuration = Metric.timerWithBoundaries(
  "effect_iron_session_revocation_lookup_duration",
  [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000],
  "How long revocation lookups take, by store (a histogram in milliseconds).",
)

const resultOf = (exit: Exit.Exit<Option.Option<unknown>, unknown>): LookupResult | undefined =>
  Exit.isSuccess(exit)
    ? Option.isSome(exit.value)
      ? "revoked"
      : "ok"
    : Option.isSome(Cause.failureOption(exit.cause))
      ? "unavailable"
      : // Interrupted or a defect: not an answer of the store, so not counted.
        undefined

/**
 * Counts and times every lookup of a store. The tagged metrics are made once
 * per store, not per call, and updated in place (no Effect steps of their
 * own): a lookup happens on every request, and for the in-memory store the
 * bookkeeping would otherwise cost many times the lookup. There is no span of
 * a store's own for the same reason; a session declared with `spans: true`
 * traces the read the lookup is part of.
 */
export const instrument = (store: StoreName, check: Revocation["check"]): Revocation["check"] => {
  const tags = [MetricLabel.make("store", store)]
  const results: Record<LookupResult, ReadonlyArray<MetricLabel.MetricLabel>> = {
    ok: [...tags, MetricLabel.make("result", "ok")],
    revoked: [...tags, MetricLabel.make("result", "revoked")],
    unavailable: [...tags, MetricLabel.make("result", "unavailable")],
  }
  return (session) =>
    Effect.suspend(() => {
      const started = performance.now()
      return Effect.onExit(check(session), (exit) => {
        const result = resultOf(exit)
        if (result !== undefined) {
          lookups.unsafeUpdate(1, results[result])
          lookupDuration.unsafeUpdate(Duration.millis(performance.now() - started), tags)
        }
        return Effect.void
      })
    })
}

// ---------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------

/** Below this many records a sweep is not worth its loop. */
const SWEEP_MINIMUM = 64

export const makeMemory: Effect.Effect<Revocation> = Effect.sync(() => {
  // id -> expiresAt; subject -> latest `at` and when the record may go.
  const sessions = new Map<string, number>()
  const subjects = new Map<string, { at: number; expiresAt: number }>()
  let writesSinceSweep = 0

  // Records are dropped when a lookup meets them expired, but a revoked
  // session is usually never looked up again (its cookie was cleared). So every
  // write also counts towards a full sweep, run once the writes since the last
  // one reach the number of records: amortised O(1) a write, and the maps never
  // hold more than about twice their live records.
  const wrote = (now: number) => {
    writesSinceSweep++
    if (writesSinceSweep < Math.max(SWEEP_MINIMUM, sessions.size + subjects.size)) return
    writesSinceSweep = 0
    for (const [id, expiresAt] of sessions) if (expiresAt <= now) sessions.delete(id)
    for (const [subject, record] of subjects) if (record.expiresAt <= now) subjects.delete(subject)
  }

  const liveSession = (id: string, now: number): boolean => {
    const expiresAt = sessions.get(id)
    if (expiresAt === undefined) return false
    if (expiresAt > now) return true
    sessions.delete(id)
    return false
  }

  const liveSubject = (subject: string | undefined, now: number): number | undefined => {
    if (subject === undefined) return undefined
    const record = subjects.get(subject)
    if (record === undefined) return undefined
    if (record.expiresAt > now) return record.at
    subjects.delete(subject)
    return undefined
  }

  return {
    check: instrument("memory", (session) =>
      Effect.map(Clock.currentTimeMillis, (now) =>
        verdict(session, liveSession(session.id, now), liveSubject(session.subject, now)),
      ),
    ),
    revokeSession: (sessionId, expiresAt) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        // Past its expiry the seal is refused anyway: there is nothing to keep.
        if (expiresAt <= now) return
        sessions.set(sessionId, expiresAt)
        wrote(now)
      }),
    revokeSubject: (subject, at, retainUntil) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const current = subjects.get(subject)
        const live = current !== undefined && current.expiresAt > now ? current : undefined
        const next = {
          at: Math.max(at, live?.at ?? Number.NEGATIVE_INFINITY),
          expiresAt: Math.max(retainUntil, live?.expiresAt ?? Number.NEGATIVE_INFINITY),
        }
        if (next.expiresAt <= now) return
        subjects.set(subject, next)
        wrote(now)
      }),
  }
})

// ---------------------------------------------------------------------------
// KeyValueStore
// ---------------------------------------------------------------------------

/**
 * What went wrong, from a `PlatformError`, without its `description` or
 * `pathOrDescriptor`: for a file-system store those name the file, that is the
 * key, that is the session id or subject.
 */
const platformDetail = (error: PlatformError.PlatformError): string =>
  error._tag === "SystemError"
    ? `${error.module}.${error.method} failed (${error.reason})`
    : `${error.module}.${error.method} refused its argument`

const kvsUnavailable = (error: PlatformError.PlatformError) =>
  new RevocationUnavailableError({ store: "key-value-store", detail: platformDetail(error) })

/** A stored record: `{"expiresAt":…}` for a session, `{"at":…,"expiresAt":…}` for a subject. */
interface StoredRecord {
  readonly at?: unknown
  readonly expiresAt?: unknown
}

const parse = (text: string): StoredRecord => {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === "object" && value !== null ? (value as StoredRecord) : {}
  } catch {
    return {}
  }
}

/**
 * Whether a record has expired. A record without a readable expiry never
 * does: only a bug or a hand edit writes one, and dropping it would un-revoke.
 */
const expired = (record: StoredRecord, now: number): boolean =>
  typeof record.expiresAt === "number" && record.expiresAt <= now

/**
 * `@effect/platform`'s `KeyValueStore` tag, by its key. Made here rather than
 * imported so that this module (and the root entry, which exports it) loads
 * without `@effect/platform` installed; a tag is its key, so this finds the
 * service the platform's layers provide (a test checks it).
 */
const KeyValueStoreTag = Context.GenericTag<KeyValueStore.KeyValueStore>("@effect/platform/KeyValueStore")

export const makeKeyValueStore: Effect.Effect<Revocation, never, KeyValueStore.KeyValueStore> = Effect.gen(
  function* () {
    const store = yield* KeyValueStoreTag
    // `revokeSubject` reads, compares and writes. A KeyValueStore has no
    // compare-and-set, so two of them racing could keep the earlier time: in
    // this process they take turns; across processes use Redis, whose script
    // is atomic.
    const subjectWrites = yield* Effect.makeSemaphore(1)

    const get = (key: string) => Effect.mapError(store.get(key), kvsUnavailable)
    const set = (key: string, record: { readonly at?: number; readonly expiresAt: number }) =>
      Effect.mapError(store.set(key, JSON.stringify(record)), kvsUnavailable)
    // A KeyValueStore has no expiry of its own: a lookup that meets an expired
    // record removes it. That costs a second round trip, once per record. A
    // failed removal changes nothing (the record reads as expired next time too).
    const drop = (key: string) => Effect.ignore(store.remove(key))

    return {
      check: instrument("key-value-store", (session) =>
        Effect.gen(function* () {
          const sid = sessionKey(defaultPrefix, session.id)
          const sub = session.subject === undefined ? undefined : subjectKey(defaultPrefix, session.subject)
          // A KeyValueStore cannot read two keys in one call: both reads run
          // concurrently, so a lookup takes one round trip of time, in two requests.
          const [sessionText, subjectText] = yield* Effect.all(
            [get(sid), sub === undefined ? Effect.succeedNone : get(sub)],
            { concurrency: 2 },
          )
          const now = yield* Clock.currentTimeMillis
          let revoked = false
          if (Option.isSome(sessionText)) {
            if (expired(parse(sessionText.value), now)) yield* drop(sid)
            else revoked = true
          }
          let subjectAt: number | undefined
          if (sub !== undefined && Option.isSome(subjectText)) {
            const record = parse(subjectText.value)
            if (expired(record, now)) yield* drop(sub)
            else subjectAt = typeof record.at === "number" ? record.at : Number.POSITIVE_INFINITY
          }
          return verdict(session, revoked, subjectAt)
        }),
      ),
      revokeSession: (sessionId, expiresAt) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          expiresAt <= now ? Effect.void : set(sessionKey(defaultPrefix, sessionId), { expiresAt }),
        ),
      revokeSubject: (subject, at, retainUntil) =>
        subjectWrites.withPermits(1)(
          Effect.gen(function* () {
            const key = subjectKey(defaultPrefix, subject)
            const text = yield* get(key)
            const now = yield* Clock.currentTimeMillis
            const current = Option.isSome(text) ? parse(text.value) : undefined
            const live = current !== undefined && !expired(current, now) ? current : undefined
            const next = {
              // An unreadable `at` is overwritten: this call knows a good one.
              at: Math.max(at, typeof live?.at === "number" ? live.at : Number.NEGATIVE_INFINITY),
              expiresAt: Math.max(
                retainUntil,
                typeof live?.expiresAt === "number" ? live.expiresAt : Number.NEGATIVE_INFINITY,
              ),
            }
            if (next.expiresAt <= now) return
            yield* set(key, next)
          }),
        ),
    }
  },
)

// ---------------------------------------------------------------------------
// Cache
// ---------------------------------------------------------------------------

/** A lookup's answer, with the revocation epoch it started in. */
interface Cached {
  readonly result: Option.Option<"session" | "subject">
  readonly epoch: number
  /** Set when a revocation through this instance ran while the lookup was in flight. */
  stale: boolean
}

/** Made with `Data.struct`, so the cache compares keys by value. */
type Key = { readonly id: string; readonly subject: string | undefined; readonly signedInAt: number }

export const cached =
  (options: { readonly timeToLive: Duration.DurationInput; readonly capacity: number }) =>
  (self: Revocation): Effect.Effect<Revocation> =>
    Effect.gen(function* () {
      const timeToLive = Duration.decode(options.timeToLive)
      // Bumped by every revocation made through this instance. A lookup that
      // was in flight across one may have read the store before the write:
      // Effect's Cache would store its answer after we invalidated the key, so
      // such an answer is marked stale and never served from the cache.
      let epoch = 0
      const cache = yield* Cache.makeWith({
        capacity: options.capacity,
        lookup: (key: Key) => {
          const started = epoch
          return Effect.map(self.check(key), (result): Cached => ({ result, epoch: started, stale: false }))
        },
        // Runs as the answer is stored, synchronously. Failures are not kept:
        // the next lookup asks the store again.
        timeToLive: (exit) => {
          if (Exit.isFailure(exit)) return Duration.zero
          if (exit.value.epoch !== epoch) {
            exit.value.stale = true
            return Duration.zero
          }
          return timeToLive
        },
      })

      const invalidate = (matches: (key: Key) => boolean) =>
        Effect.suspend(() => {
          epoch++
          return Effect.flatMap(cache.keys, (keys) =>
            Effect.forEach(keys, (key) => (matches(key) ? cache.invalidate(key) : Effect.void), { discard: true }),
          )
        })

      // An answer stored with a zero time-to-live still counts as fresh within
      // the same millisecond (the Cache expires entries strictly after their
      // time), so failures and stale answers are removed by hand: a failure
      // once it has been reported, a stale answer before it is looked up again.
      const lookup = (key: Key): Effect.Effect<Option.Option<"session" | "subject">, RevocationUnavailableError> =>
        cache.get(key).pipe(
          Effect.tapError(() => cache.invalidate(key)),
          Effect.flatMap((answer) =>
            answer.stale ? Effect.zipRight(cache.invalidate(key), lookup(key)) : Effect.succeed(answer.result),
          ),
        )

      return {
        // Only the fields that decide the answer, so the key compares by value.
        check: (session) =>
          lookup(Data.struct({ id: session.id, subject: session.subject, signedInAt: session.signedInAt })),
        // Invalidate after the write (a lookup between the two would cache the
        // old answer) and even when it failed: it may have landed anyway.
        revokeSession: (sessionId, expiresAt) =>
          Effect.ensuring(
            self.revokeSession(sessionId, expiresAt),
            invalidate((key) => key.id === sessionId),
          ),
        revokeSubject: (subject, at, retainUntil) =>
          Effect.ensuring(
            self.revokeSubject(subject, at, retainUntil),
            invalidate((key) => key.subject === subject),
          ),
      }
    })
