/**
 * The work behind `effect-iron-session/KeyValueStore`: the revocation store on
 * `@effect/platform`'s KeyValueStore. It is a module of its own so that
 * `internal/revocation.ts`, which every session reaches, never names
 * `@effect/platform` (an optional peer), in its code or in its types.
 *
 * @internal
 */
import type * as PlatformError from "@effect/platform/Error"
import type * as KeyValueStore from "@effect/platform/KeyValueStore"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { RevocationUnavailableError } from "../Errors.js"
import type { Revocation } from "../Revocation.js"
import { defaultPrefix, instrument, sessionKey, subjectKey, verdict } from "./revocation.js"

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
 * imported so that loading this module never loads `@effect/platform` (only
 * its types name it): a tag is its key, so this finds the service the app's
 * own platform layers provide (a test checks it).
 */
const KeyValueStoreTag = Context.GenericTag<KeyValueStore.KeyValueStore>("@effect/platform/KeyValueStore")

export const make: Effect.Effect<Revocation, never, KeyValueStore.KeyValueStore> = Effect.gen(function* () {
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
})
