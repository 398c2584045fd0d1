/**
 * The work behind `Revocation`: the rule every store answers by, the metrics
 * and span every store reports, the in-process store and the local cache.
 * The stores on an optional peer are modules of their own
 * (`revocationRedis.ts`, `revocationKeyValueStore.ts`), so that this file,
 * which every session reaches, never names `ioredis` or `@effect/platform`.
 *
 * @internal
 */

import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import * as Option from "effect/Option"
import { InvalidOptionError, type RevocationUnavailableError } from "../Errors.js"
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
// Cache
// ---------------------------------------------------------------------------

/** The fields of a session that decide its answer: all a lookup is given, all the cache keys by. */
interface Ref {
  readonly id: string
  readonly subject: string | undefined
  readonly signedInAt: number
}

type Answer = Option.Option<"session" | "subject">

/**
 * The cache's key of a ref. JSON keeps the id and the subject apart whatever
 * they contain, and tells a missing subject (`null`) from an empty one;
 * `signedInAt` goes in as a string, since JSON writes NaN and Infinity alike
 * (`null`) and the two answer differently.
 */
const keyOf = (ref: Ref): string => JSON.stringify([ref.id, ref.subject ?? null, String(ref.signedInAt)])

/** A settled answer, served until `expiresAt`: its lookup's start plus `timeToLive`. */
interface Kept {
  readonly key: string
  readonly ref: Ref
  readonly answer: Answer
  readonly expiresAt: number
}

/** A lookup of the store, shared by the checks of its key that start while it runs. */
interface Lookup {
  readonly key: string
  readonly ref: Ref
  /** When it was asked: its answer may have been read by the store from then on. */
  readonly started: number
  readonly done: Deferred.Deferred<Answer, RevocationUnavailableError>
  /** Set when a revocation through this cache of its id or subject completed while it ran. */
  raced: boolean
}

/** Entries (kept answers and running lookups) by id, or by subject, so a revocation finds its own. */
type Index = Map<string, Set<Kept | Lookup>>

const indexAdd = (index: Index, name: string, entry: Kept | Lookup) => {
  const entries = index.get(name)
  if (entries === undefined) index.set(name, new Set([entry]))
  else entries.add(entry)
}

const indexRemove = (index: Index, name: string, entry: Kept | Lookup) => {
  const entries = index.get(name)
  if (entries === undefined) return
  entries.delete(entry)
  if (entries.size === 0) index.delete(name)
}

/**
 * The options of `cached`, checked. Both bound what the cache may do, so
 * neither has a reading that means "no bound": a capacity must be a positive
 * whole number (0, NaN or Infinity would keep every answer ever looked up), a
 * time-to-live positive and finite (an infinite one would never see a
 * revocation made elsewhere; a zero one caches nothing, which is the store).
 */
const cacheOptions = (options: {
  readonly timeToLive: Duration.DurationInput
  readonly capacity: number
}): { readonly timeToLive: number; readonly capacity: number } | InvalidOptionError => {
  const { capacity } = options
  if (typeof capacity !== "number" || !Number.isSafeInteger(capacity) || capacity <= 0) {
    return new InvalidOptionError({
      option: "capacity",
      reason: `must be a positive whole number of answers to keep, such as 10_000; got ${JSON.stringify(String(capacity))}.`,
    })
  }
  const decoded = Duration.decodeUnknown(options.timeToLive)
  if (Option.isNone(decoded)) {
    return new InvalidOptionError({
      option: "timeToLive",
      reason: `${JSON.stringify(String(options.timeToLive))} is not a duration. Use a short one, such as "2 seconds".`,
    })
  }
  const timeToLive = Duration.toMillis(decoded.value)
  // `Duration` reads a negative or NaN number of millis as zero.
  if (!Duration.isFinite(decoded.value) || !(timeToLive > 0)) {
    return new InvalidOptionError({
      option: "timeToLive",
      reason: `must be a positive, finite duration: it is how late this instance may see a revocation made elsewhere. Use a short one, such as "2 seconds"; got ${JSON.stringify(String(options.timeToLive))}.`,
    })
  }
  return { timeToLive, capacity }
}

export const cached = (options: { readonly timeToLive: Duration.DurationInput; readonly capacity: number }) => {
  const checked = cacheOptions(options)
  return (self: Revocation): Effect.Effect<Revocation> =>
    // Options that cannot work are a bug of the program, not a condition it
    // could handle where it runs: the signature has no error channel for them,
    // so building the cache dies with the InvalidOptionError (its message says
    // what to give), and the layer that builds it fails at start-up.
    checked instanceof InvalidOptionError
      ? Effect.die(checked)
      : Effect.sync(() => makeCache(self, checked.timeToLive, checked.capacity))
}

/**
 * The cache itself, rather than Effect's `Cache`: that one does not bound
 * lookups in flight (it evicts them under load and stores their answers
 * untracked after, so `capacity` is not a bound), times an answer's life from
 * when it was stored rather than asked (a slow lookup adds its latency to the
 * window), and cannot tell which lookups in flight a revocation concerns.
 */
const makeCache = (self: Revocation, timeToLive: number, capacity: number): Revocation => {
  // Settled answers, at most `capacity`, least recently used first: a Map
  // iterates in insertion order, and a hit moves its key to the end.
  const kept = new Map<string, Kept>()
  // The lookup of each key that checks starting now may share.
  const joinable = new Map<string, Lookup>()
  // Every kept answer and every running lookup (joinable or not: a lookup
  // left behind still has callers, whose answer a revocation can make stale).
  const byId: Index = new Map()
  const bySubject: Index = new Map()

  const index = (entry: Kept | Lookup) => {
    indexAdd(byId, entry.ref.id, entry)
    if (entry.ref.subject !== undefined) indexAdd(bySubject, entry.ref.subject, entry)
  }
  const unindex = (entry: Kept | Lookup) => {
    indexRemove(byId, entry.ref.id, entry)
    if (entry.ref.subject !== undefined) indexRemove(bySubject, entry.ref.subject, entry)
  }
  const drop = (entry: Kept) => {
    if (kept.get(entry.key) === entry) kept.delete(entry.key)
    unindex(entry)
  }
  const keep = (entry: Kept) => {
    const previous = kept.get(entry.key)
    if (previous !== undefined) drop(previous)
    kept.set(entry.key, entry)
    index(entry)
    while (kept.size > capacity) drop(kept.values().next().value!)
  }

  /** Runs when the store has answered, at once: nothing else runs between the answer and its keeping. */
  const settle = (lookup: Lookup, exit: Exit.Exit<Answer, RevocationUnavailableError>, now: number) => {
    unindex(lookup)
    if (joinable.get(lookup.key) === lookup) joinable.delete(lookup.key)
    // A lookup that raced a revocation may have read the store before it:
    // its answer goes to its callers, never into the cache. Failures are not
    // kept either: the next check asks again.
    const expiresAt = lookup.started + timeToLive
    if (Exit.isSuccess(exit) && !lookup.raced && now < expiresAt) {
      keep({ key: lookup.key, ref: lookup.ref, answer: exit.value, expiresAt })
    }
    Deferred.unsafeDone(lookup.done, exit)
  }

  // The lookup belongs to every check waiting for it, not to the one that
  // started it, so it runs on a fiber of its own: a caller that goes away
  // (its request aborted) neither cancels it for the others nor leaves them
  // waiting for an answer that never comes. It ends when the store answers,
  // which a store's own timeout bounds: interruptible, since it is forked
  // from `find`'s uninterruptible region, whose flags a fiber inherits, and
  // a timeout that cannot interrupt waits for ever.
  const run = (lookup: Lookup) =>
    Effect.forkDaemon(
      Effect.interruptible(
        Effect.onExit(self.check(lookup.ref), (exit) =>
          Effect.clockWith((clock) => Effect.sync(() => settle(lookup, exit, clock.unsafeCurrentTimeMillis()))),
        ),
      ),
    )

  /**
   * The kept answer of a key, if it is younger than `timeToLive`, else the
   * lookup to wait for: one already running, if it started less than
   * `timeToLive` ago, or a new one. Uninterruptible from registering a lookup
   * to forking it: a caller interrupted in between would leave a lookup that
   * never runs.
   */
  const find = (ref: Ref, key: string): Effect.Effect<Kept | Lookup> =>
    Effect.uninterruptible(
      Effect.clockWith((clock): Effect.Effect<Kept | Lookup> => {
        const now = clock.unsafeCurrentTimeMillis()
        const hit = kept.get(key)
        if (hit !== undefined) {
          if (now < hit.expiresAt) {
            kept.delete(key)
            kept.set(key, hit)
            return Exit.succeed(hit)
          }
          drop(hit)
        }
        const running = joinable.get(key)
        // A lookup that started `timeToLive` ago is not joined: its answer may
        // be that old already. It still answers the checks that joined it.
        if (running !== undefined && now < running.started + timeToLive) return Exit.succeed(running)
        const lookup: Lookup = {
          key,
          ref,
          started: now,
          done: Deferred.unsafeMake<Answer, RevocationUnavailableError>(FiberId.none),
          raced: false,
        }
        joinable.set(key, lookup)
        index(lookup)
        return Effect.as(run(lookup), lookup)
      }),
    )

  /**
   * A check. A lookup that raced a revocation of its id or subject is asked
   * once more (`retried`): that second lookup started after the revocation
   * had completed, and its answer is returned whatever races it in turn, so a
   * check waits for at most two lookups however fast revocations come. (Not
   * "revoked" at once: a revocation that failed, or that wrote nothing since
   * its time had passed, does not make the session revoked; the store knows.)
   */
  const check = (ref: Ref, key: string, retried: boolean): Effect.Effect<Answer, RevocationUnavailableError> =>
    Effect.flatMap(find(ref, key), (found) =>
      "done" in found
        ? Effect.flatMap(Deferred.await(found.done), (answer) =>
            found.raced && !retried ? check(ref, key, true) : Exit.succeed(answer),
          )
        : Exit.succeed(found.answer),
    )

  /**
   * After a revocation, for the entries it concerns: a kept answer goes, and
   * a running lookup is marked raced and left behind, so a check that starts
   * from now on asks the store again rather than wait for an answer that may
   * have been read before the write.
   */
  const revoked = (by: Index, name: string, concerns: (ref: Ref) => boolean) =>
    Effect.sync(() => {
      const entries = by.get(name)
      if (entries === undefined) return
      for (const entry of [...entries]) {
        if (!concerns(entry.ref)) continue
        if ("done" in entry) {
          entry.raced = true
          if (joinable.get(entry.key) === entry) joinable.delete(entry.key)
        } else {
          drop(entry)
        }
      }
    })

  return {
    check: (session) => {
      // Only the fields that decide the answer, so the store sees what the key says.
      const ref: Ref = { id: session.id, subject: session.subject, signedInAt: session.signedInAt }
      return check(ref, keyOf(ref), false)
    },
    // After the write (a lookup between the two would keep the old answer),
    // and even when it failed: it may have landed anyway.
    revokeSession: (sessionId, expiresAt) =>
      Effect.ensuring(
        self.revokeSession(sessionId, expiresAt),
        revoked(byId, sessionId, () => true),
      ),
    // Only the sessions signed in at or before `at`: every store keeps a
    // subject's latest time, so a revocation at `at` cannot change the answer
    // for a later sign-in. Written as "not after", so that a NaN `at` (which
    // a store may read as "every session") clears too.
    revokeSubject: (subject, at, retainUntil) =>
      Effect.ensuring(
        self.revokeSubject(subject, at, retainUntil),
        revoked(bySubject, subject, (ref) => !(ref.signedInAt > at)),
      ),
  }
}
