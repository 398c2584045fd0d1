/**
 * The Effect API's session driver: the kernel's rules (`./session.ts`) with
 * time from `Clock`, one read per request shared by every fiber, a Schema
 * codec, rejections in logs, spans, metrics and `onRejected`, and revocation
 * through the `Revocation` service. Every error the rules throw becomes the
 * Effect API's tagged error here (`./effect.ts`).
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"
import * as Option from "effect/Option"
import {
  type BadSealError,
  type CookieNotWritableError,
  type CookieTooLargeError,
  type InvalidOptionError,
  type OptionsError,
  type RevocationUnavailableError,
  type SchemaMismatchError,
  type SealExpiredError,
  type SessionDestroyedError,
  type SessionExpiredError,
  SessionNotFreshError,
  SessionRevokedError,
  type UnserializableDataError,
} from "../Errors.js"
import type { Revocation } from "../Revocation.js"
import { attempt, fromKernel, isLibraryError, revealPassword, ttlMillis } from "./effect.js"
import type * as Cookie from "./kernel/cookie.js"
import type { IronCrypto } from "./kernel/crypto/types.js"
import { isTagged } from "./kernel/errors.js"
import * as iron from "./kernel/iron.js"
import {
  checkWritable,
  destroyCookies,
  LEGACY_ID_PREFIX,
  type Lifecycle,
  newId,
  openCookie,
  type Resolved as Rules,
  type Input as RulesInput,
  resolve as resolveRules,
  revokedUntil,
  writeSealed,
} from "./kernel/session.js"

/** Why a cookie was not used. */
export type InvalidCookieError =
  | SealExpiredError
  | BadSealError
  | SchemaMismatchError
  | SessionExpiredError
  | SessionRevokedError
  | RevocationUnavailableError

/** A rejected cookie, as handed to `onRejected`. */
export interface Rejection {
  readonly cookieName: string
  readonly error: InvalidCookieError
}

/** Errors of writing a session. */
export type SaveError =
  | SessionDestroyedError
  | CookieNotWritableError
  | CookieTooLargeError
  | SchemaMismatchError
  | UnserializableDataError
  | InvalidOptionError

/**
 * How a session's value becomes JSON and back: a Schema for typed sessions,
 * nothing for the facade. The synchronous forms answer `undefined` when they
 * cannot (a schema with an asynchronous transformation); the Effect forms
 * always can.
 */
export interface Codec<A> {
  readonly decodeSync: (data: unknown) => Either.Either<A, SchemaMismatchError> | undefined
  readonly encodeSync: (value: A) => Either.Either<unknown, SchemaMismatchError> | undefined
  readonly decode: (data: unknown) => Effect.Effect<A, SchemaMismatchError>
  readonly encode: (value: A) => Effect.Effect<unknown, SchemaMismatchError>
}

/** What the Effect driver keeps beside the kernel's rules. */
interface Driver<A> {
  readonly codec: Codec<A>
  readonly policy: "reset" | "fail"
  readonly onRejected: ((rejection: Rejection) => Effect.Effect<void>) | undefined
  readonly lifecycle: Lifecycle<Revocation> | undefined
  /** A span per operation. */
  readonly spans: boolean
}

/** A session's options, checked once: the kernel's rules, and what the Effect driver adds. */
export interface Resolved<A> extends Rules, Driver<A> {
  readonly lifecycle: Lifecycle<Revocation> | undefined
}

/** What `Session.make` hands to {@link resolve}, in the Effect API's units. */
export interface Input<A> extends Omit<RulesInput, "ttl" | "lifecycle">, Driver<A> {
  readonly ttl: Duration.DurationInput | undefined
}

/** Checks a session's options through the kernel's rules. Returns the first problem instead of failing with it. */
export const resolve = <A>(crypto: IronCrypto, input: Input<A>): Resolved<A> | OptionsError => {
  const ttl = ttlMillis(input.ttl)
  if (isLibraryError(ttl)) return fromKernel(ttl)
  const rules = resolveRules(crypto, { ...input, ttl, password: revealPassword(input.password) })
  if (isLibraryError(rules)) return fromKernel(rules)
  return {
    ...rules,
    lifecycle: input.lifecycle,
    codec: input.codec,
    policy: input.policy,
    onRejected: input.onRejected,
    spans: input.spans,
  }
}

/** A short, stable name for why a cookie was rejected, for logs, spans and metrics. */
export const rejectionReason = (error: InvalidCookieError): string => {
  switch (error._tag) {
    case "BadSealError":
      return error.reason
    case "SealExpiredError":
      return "expired"
    case "SchemaMismatchError":
      return "schema-mismatch"
    case "SessionExpiredError":
      return error.reason === "idle" ? "idle-timeout" : "absolute-timeout"
    case "SessionRevokedError":
      return "revoked"
    case "RevocationUnavailableError":
      return "revocation-unavailable"
  }
}

/**
 * What one request knows about one session. It lives beside the request's
 * cookies (in a WeakMap keyed by them), so it is collected with the request
 * and never leaks from one request to the next.
 */
export interface RequestState<A> {
  /**
   * The cookie as read and decoded, for the Effect driver: started by the
   * first reader, and awaited by every later one (at once if it is done)
   * rather than read again.
   */
  reading: Deferred.Deferred<Option.Option<A>, InvalidCookieError> | undefined
  /** The read's outcome, when it was decided without waiting (the common case: a synchronous backend). */
  read: Exit.Exit<Option.Option<A>, InvalidCookieError> | undefined
  rejection: Option.Option<InvalidCookieError>
  /** The value after a write in this request, which takes over from the cookie. */
  written: Option.Option<Option.Option<A>>
  destroyed: boolean
  /** The session's record, as read or last written in this request (sessions with a lifecycle). */
  record: iron.SessionRecord | undefined
  /**
   * The record of the cookie the request brought, once its MAC held, even
   * when the cookie was then refused (ended, revoked, the store down, data
   * that no longer fits the schema): what signing out revokes.
   */
  presented: iron.SessionRecord | undefined
  /** The next write starts a new record (a new id, signed in now): see `regenerate`. */
  regenerate: boolean
}

/** A fresh state, for a session not yet read, written or destroyed in the request. */
export const newState = <A>(): RequestState<A> => ({
  reading: undefined,
  read: undefined,
  rejection: Option.none(),
  written: Option.none(),
  destroyed: false,
  record: undefined,
  presented: undefined,
  regenerate: false,
})

const isInvalidCookie = isTagged<BadSealError | SealExpiredError | SessionExpiredError>(
  "BadSealError",
  "SealExpiredError",
  "SessionExpiredError",
)

const isSaveError = isTagged<SaveError>(
  "SessionDestroyedError",
  "CookieNotWritableError",
  "CookieTooLargeError",
  "InvalidOptionError",
  "UnserializableDataError",
)

const isNotWritable = isTagged<CookieNotWritableError>("CookieNotWritableError")

/** The metrics every session reports, tagged with its cookie name. */
export const metrics = {
  reads: Metric.counter("effect_iron_session_reads", {
    description: "Session cookies read (at most once per session per request).",
    incremental: true,
  }),
  writes: Metric.counter("effect_iron_session_writes", {
    description: "Sessions written (set, update, save, a refresh, regenerate).",
    incremental: true,
  }),
  rejections: Metric.counter("effect_iron_session_rejections", {
    description: "Session cookies refused, tagged with the reason.",
    incremental: true,
  }),
  refreshes: Metric.counter("effect_iron_session_refreshes", {
    description: "Rolling sessions written again by a read after their refresh interval.",
    incremental: true,
  }),
  cookieBytes: Metric.histogram(
    "effect_iron_session_cookie_bytes",
    MetricBoundaries.fromIterable([256, 512, 1024, 2048, 3072, 4096, 8192, 16384]),
    "Bytes of the Set-Cookie headers a session write sends.",
  ),
}

/** A session's operations on one request's cookies, as Effects. */
export interface Engine<A> {
  readonly cookieName: string
  readonly get: (cookies: Cookie.Cookies) => Effect.Effect<Option.Option<A>, InvalidCookieError>
  readonly set: (cookies: Cookie.Cookies, value: A) => Effect.Effect<void, SaveError>
  readonly update: (
    cookies: Cookie.Cookies,
    f: (current: Option.Option<A>) => A,
  ) => Effect.Effect<void, SaveError | InvalidCookieError>
  readonly save: (cookies: Cookie.Cookies) => Effect.Effect<void, SaveError | InvalidCookieError>
  readonly destroy: (
    cookies: Cookie.Cookies,
  ) => Effect.Effect<void, CookieNotWritableError | RevocationUnavailableError>
  readonly rejection: (cookies: Cookie.Cookies) => Effect.Effect<Option.Option<InvalidCookieError>>
  readonly signedInAt: (cookies: Cookie.Cookies) => Effect.Effect<Option.Option<Date>, InvalidCookieError>
  readonly id: (cookies: Cookie.Cookies) => Effect.Effect<Option.Option<string>, InvalidCookieError>
  readonly requireFresh: (
    cookies: Cookie.Cookies,
    maxAge: Duration.DurationInput,
  ) => Effect.Effect<void, SessionNotFreshError | InvalidCookieError>
  readonly regenerate: (
    cookies: Cookie.Cookies,
  ) => Effect.Effect<void, SaveError | InvalidCookieError | RevocationUnavailableError>
  readonly signOutEverywhere: (
    cookies: Cookie.Cookies,
  ) => Effect.Effect<void, RevocationUnavailableError | CookieNotWritableError | InvalidCookieError>
}

/** The Effect driver: the rules above, with time from `Clock` and rejections in logs, spans, metrics and hooks. */
export const make = <A>(config: Resolved<A>): Engine<A> => {
  const { cookieName, codec, lifecycle } = config
  const rules: Rules = config
  const tags = [MetricLabel.make("cookie", cookieName)]
  // This session's state in each request, kept with the request's cookies.
  const key = {}
  const stateOf = <X = A>(cookies: Cookie.Cookies) => cookies.local(key, newState<X>)
  const traced = <X, E>(name: string, effect: Effect.Effect<X, E>): Effect.Effect<X, E> =>
    config.spans ? Effect.withSpan(effect, `Session.${name}`, { attributes: { "session.cookie": cookieName } }) : effect

  const rejected = (state: RequestState<A>, error: InvalidCookieError) => {
    state.rejection = Option.some(error)
    state.record = undefined
    const reason = rejectionReason(error)
    metrics.rejections.unsafeUpdate(1, [...tags, MetricLabel.make("reason", reason)])
    return Effect.zipRight(
      Effect.all(
        [
          // On the caller's span (an HTTP server's request span, say), where a
          // trace shows it; a span of our own per read would cost more than the read.
          Effect.annotateCurrentSpan(`session.${cookieName}.rejected`, reason),
          Effect.logDebug("session cookie rejected").pipe(Effect.annotateLogs({ cookieName, reason })),
          config.onRejected === undefined ? Effect.void : config.onRejected({ cookieName, error }),
        ],
        { discard: true },
      ),
      config.policy === "fail" ? Effect.fail(error) : Effect.succeed(Option.none<A>()),
    )
  }

  /**
   * Checks a decoded session against the revocation store: one round trip.
   * When the store cannot be reached, the session is refused (fail-closed,
   * the default) or used with a warning in the log (fail-open).
   */
  const checkRevoked = (state: RequestState<A>, value: A, opened: iron.Opened) => {
    const revocation = lifecycle?.revocation
    if (revocation === undefined) return Exit.succeed(Option.some(value))
    const record = opened.record
    const subject = revocation.subject?.(value)
    // A cookie from before revocation was on has no id, and no sign-in time:
    // it answers to its subject, as if signed in at the epoch.
    const ref = { id: record?.id ?? "", subject, signedInAt: record?.signedInAt ?? 0 }
    return Effect.matchEffect(revocation.store.check(ref), {
      onSuccess: Option.match({
        onNone: () => Effect.succeed(Option.some(value)),
        onSome: (reason) => rejected(state, new SessionRevokedError({ reason })),
      }),
      onFailure: (error) =>
        revocation.failOpen
          ? Effect.as(
              Effect.logWarning("revocation store unavailable: session used without the check (fail-open)").pipe(
                Effect.annotateLogs({ cookieName, store: error.store }),
              ),
              Option.some(value),
            )
          : rejected(state, error),
    })
  }

  /** Decodes opened data: at once when the codec can, else as an Effect; then the revocation check. */
  const decoded = (
    state: RequestState<A>,
    opened: iron.Opened | undefined,
  ): Effect.Effect<Option.Option<A>, InvalidCookieError> => {
    if (opened === undefined) return Exit.succeed(Option.none())
    state.record = opened.record
    const now = codec.decodeSync(opened.data)
    if (now !== undefined) {
      return Either.isRight(now) ? checkRevoked(state, now.right, opened) : rejected(state, now.left)
    }
    return Effect.matchEffect(codec.decode(opened.data), {
      onFailure: (error) => rejected(state, error),
      onSuccess: (value) => checkRevoked(state, value, opened),
    })
  }

  /**
   * Reads the cookie. With a synchronous backend and codec, no revocation
   * store and a cookie that opens (the common case) the outcome is known here
   * and now, without a fiber's worth of steps; anything else goes the Effect way.
   */
  const readCookie = (state: RequestState<A>, cookies: Cookie.Cookies, now: number) => {
    let opened: iron.Opened | undefined | Promise<iron.Opened>
    try {
      opened = openCookie(rules, cookies, now, (record) => {
        state.presented = record
      })
      if (opened !== undefined) metrics.reads.unsafeUpdate(1, tags)
    } catch (error) {
      metrics.reads.unsafeUpdate(1, tags)
      return isInvalidCookie(error) ? rejected(state, fromKernel(error)) : Effect.die(error)
    }
    // Only the opening's failure is rejected here: `decoded` reports its own
    // rejections, and under the fail policy fails with them, which a catch
    // around both would have reported a second time (onRejected twice).
    return iron.isPromise(opened)
      ? Effect.matchEffect(
          attempt(() => opened, isInvalidCookie),
          {
            onFailure: (error) => rejected(state, error),
            onSuccess: (o) => decoded(state, o),
          },
        )
      : decoded(state, opened)
  }

  /** Reads the cookie at most once per request, however many fibers ask at once. */
  const readOnce = (state: RequestState<A>, cookies: Cookie.Cookies) =>
    Effect.clockWith((clock) => {
      if (state.read !== undefined) return state.read
      if (state.reading !== undefined) return Deferred.await(state.reading)
      const now = clock.unsafeCurrentTimeMillis()
      const read = readCookie(state, cookies, now)
      // Only a rolling session has anything to do after a read; the others keep
      // a read that was decided at once (an Exit) as it is.
      const reading =
        lifecycle?.refresh === undefined ? read : Effect.tap(read, (value) => refreshed(state, cookies, value, now))
      if (Exit.isExit(reading)) {
        state.read = reading as Exit.Exit<Option.Option<A>, InvalidCookieError>
        return reading
      }
      const deferred = Deferred.unsafeMake<Option.Option<A>, InvalidCookieError>(FiberId.none)
      state.reading = deferred
      return Effect.uninterruptible(
        Effect.flatMap(Effect.exit(reading), (exit) => {
          state.read = exit
          return Effect.zipRight(Deferred.done(deferred, exit), exit)
        }),
      )
    })

  /**
   * A rolling session read after its refresh interval is written again, once
   * per request: same value, same id and sign-in time, a fresh deadline (never
   * past the absolute lifetime: the deadline is computed from sign-in). A read
   * that needs no refresh writes nothing. A store that cannot take cookies now
   * (a Server Component) only means no refresh this time.
   */
  const refreshed = (
    state: RequestState<A>,
    cookies: Cookie.Cookies,
    value: Option.Option<A>,
    now: number,
  ): Effect.Effect<void> => {
    const record = state.record
    if (lifecycle?.refresh === undefined || record === undefined || Option.isNone(value)) return Exit.void
    if (now - record.writtenAt < lifecycle.refresh || Option.isSome(state.written)) return Exit.void
    if (cookies.notWritable(cookieName) !== undefined) return Exit.void
    metrics.refreshes.unsafeUpdate(1, tags)
    return Effect.catchAll(write(state, cookies, value.value, now), (error) =>
      Effect.logDebug("rolling session not refreshed").pipe(Effect.annotateLogs({ cookieName, reason: error._tag })),
    )
  }

  const current = (state: RequestState<A>, cookies: Cookie.Cookies) =>
    Option.isSome(state.written) ? Exit.succeed(state.written.value) : readOnce(state, cookies)

  /** The record a write carries: the current one, or a new one for a new (or regenerated) session. */
  const recordFor = (state: RequestState<A>, now: number): iron.SessionRecord | undefined => {
    if (lifecycle === undefined) return undefined
    const previous = state.regenerate ? undefined : state.record
    return previous === undefined
      ? { id: newId(), signedInAt: now, writtenAt: now }
      : { id: previous.id, signedInAt: previous.signedInAt, writtenAt: now }
  }

  const wrote = (state: RequestState<A>, value: A, record: iron.SessionRecord | undefined, bytes: number) => {
    state.written = Option.some(Option.some(value))
    state.record = record
    state.regenerate = false
    metrics.writes.unsafeUpdate(1, tags)
    metrics.cookieBytes.unsafeUpdate(bytes, tags)
  }

  const write = (
    state: RequestState<A>,
    cookies: Cookie.Cookies,
    value: A,
    now: number,
  ): Effect.Effect<void, SaveError> => {
    const record = recordFor(state, now)
    try {
      checkWritable(rules, state, cookies, now)
      const encoded = codec.encodeSync(value)
      if (encoded !== undefined) {
        if (Either.isLeft(encoded)) return Exit.fail(encoded.left)
        const done = writeSealed(rules, cookies, encoded.right, now, record)
        if (!iron.isPromise(done)) {
          wrote(state, value, record, done)
          return Exit.void
        }
        return Effect.map(
          attempt(() => done, isSaveError),
          (bytes) => wrote(state, value, record, bytes),
        )
      }
    } catch (error) {
      return isSaveError(error) ? Exit.fail(fromKernel(error)) : Exit.die(error)
    }
    return codec.encode(value).pipe(
      Effect.flatMap((encoded) => attempt(() => writeSealed(rules, cookies, encoded, now, record), isSaveError)),
      Effect.map((bytes) => wrote(state, value, record, bytes)),
    )
  }

  /**
   * A session with a lifecycle reads its cookie before a write that did not
   * read it, so the write keeps the session's id and sign-in time rather than
   * starting a new session. Whatever the read finds wrong is only a reason to
   * start afresh.
   */
  const known = (state: RequestState<A>, cookies: Cookie.Cookies) =>
    lifecycle === undefined || state.read !== undefined || Option.isSome(state.written)
      ? Exit.void
      : Effect.ignore(readOnce(state, cookies))

  const writeNow = (state: RequestState<A>, cookies: Cookie.Cookies, value: A) =>
    Effect.zipRight(
      known(state, cookies),
      Effect.clockWith((clock) => write(state, cookies, value, clock.unsafeCurrentTimeMillis())),
    )

  /**
   * Revokes a session id until no copy of it can open any more (see
   * {@link revokedUntil}). When the store cannot take it, the cookie is
   * already cleared, but a copy elsewhere stays valid: fail-closed (the
   * default) says so with `RevocationUnavailableError`, so the app can retry
   * or tell the user; fail-open logs a warning and carries on.
   */
  const revokeId = (
    ...records: ReadonlyArray<iron.SessionRecord | undefined>
  ): Effect.Effect<void, RevocationUnavailableError> => {
    const revocation = lifecycle?.revocation
    const ids = new Map<string, number>()
    for (const record of records) if (record !== undefined) ids.set(record.id, record.signedInAt)
    if (revocation === undefined || ids.size === 0) return Exit.void
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      // resolve() refuses revocation for seals that never expire.
      const revoke = Effect.forEach(
        ids,
        ([id, signedInAt]) =>
          revocation.store.revokeSession(id, revokedUntil(rules, signedInAt, now) ?? Number.POSITIVE_INFINITY),
        { discard: true },
      )
      return revocation.failOpen
        ? Effect.catchAll(revoke, (error) =>
            Effect.logWarning("session id not revoked: the revocation store is unavailable (fail-open)").pipe(
              Effect.annotateLogs({ cookieName, store: error.store }),
            ),
          )
        : revoke
    })
  }

  const destroy = (state: RequestState<A>, cookies: Cookie.Cookies) =>
    Effect.zipRight(
      known(state, cookies),
      Effect.suspend(() => {
        // The session as it stands, and the cookie the request brought if it
        // named another (a refused one, or one replaced in this request).
        const { record, presented } = state
        return Effect.zipRight(
          attempt(() => {
            destroyCookies(rules, state, cookies)
            state.written = Option.some(Option.none())
          }, isNotWritable),
          revokeId(record, presented),
        )
      }),
    )

  /** A field of the current record: none without a session or a record. */
  const ofRecord =
    <X>(field: (record: iron.SessionRecord) => X) =>
    (state: RequestState<A>, cookies: Cookie.Cookies) =>
      Effect.map(current(state, cookies), (value) =>
        Option.isNone(value) || state.record === undefined ? Option.none<X>() : Option.some(field(state.record)),
      )
  const signedInAt = ofRecord((record) => new Date(record.signedInAt))
  const idOf = ofRecord((record) => record.id)

  return {
    cookieName,
    get: (cookies) => traced("get", current(stateOf(cookies), cookies)),
    set: (cookies, value) => traced("set", writeNow(stateOf(cookies), cookies, value)),
    update: (cookies, f) => {
      const state = stateOf(cookies)
      return traced(
        "update",
        Effect.flatMap(current(state, cookies), (now) => writeNow(state, cookies, f(now))),
      )
    },
    save: (cookies) => {
      const state = stateOf(cookies)
      return traced(
        "save",
        Effect.flatMap(current(state, cookies), (now) =>
          // Nothing to write for an empty session, and after `destroy` that is
          // what keeps an emptied session from writing anything.
          Option.isNone(now) ? Effect.void : writeNow(state, cookies, now.value),
        ),
      )
    },
    destroy: (cookies) => traced("destroy", destroy(stateOf(cookies), cookies)),
    rejection: (cookies) => {
      const state = stateOf(cookies)
      return Effect.zipRight(
        Effect.ignore(readOnce(state, cookies)),
        Effect.sync(() => state.rejection),
      )
    },
    signedInAt: (cookies) => signedInAt(stateOf(cookies), cookies),
    id: (cookies) => idOf(stateOf(cookies), cookies),
    requireFresh: (cookies, maxAge) =>
      Effect.flatMap(Effect.zip(signedInAt(stateOf(cookies), cookies), Clock.currentTimeMillis), ([at, now]) => {
        const limit = Duration.toMillis(Duration.decode(maxAge))
        // A cookie from before the record was kept has only an estimated
        // sign-in (its last write): never fresh, so a sensitive action asks
        // for the password again, and `regenerate` after it gives a real record.
        const estimated = stateOf(cookies).record?.id.startsWith(LEGACY_ID_PREFIX) === true
        return Option.isSome(at) && !estimated && now - at.value.getTime() <= limit
          ? Effect.void
          : Effect.fail(
              new SessionNotFreshError({
                ...(Option.isSome(at) ? { signedInAt: at.value } : {}),
                maxAgeMillis: limit,
              }),
            )
      }),
    regenerate: (cookies) => {
      const state = stateOf(cookies)
      return traced(
        "regenerate",
        Effect.flatMap(current(state, cookies), (value) =>
          Effect.suspend(() => {
            const previous = state.record
            state.regenerate = true
            return Option.isNone(value)
              ? Effect.void
              : Effect.zipRight(writeNow(state, cookies, value.value), revokeId(previous))
          }),
        ),
      )
    },
    signOutEverywhere: (cookies) => {
      const state = stateOf(cookies)
      const revocation = lifecycle?.revocation
      if (revocation === undefined) {
        return Effect.dieMessage(
          `Session "${cookieName}": signOutEverywhere needs revocation on, with a subject: declare the session with revocation: { subject: (value) => ... }.`,
        )
      }
      return traced(
        "signOutEverywhere",
        Effect.flatMap(current(state, cookies), (value) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => {
            const subject = Option.isSome(value) ? revocation.subject?.(value.value) : undefined
            // Every session of the subject was signed in by now, so none lives past a write now.
            const retain = revokedUntil(rules, now, now) ?? Number.POSITIVE_INFINITY
            const revoke = subject === undefined ? Effect.void : revocation.store.revokeSubject(subject, now, retain)
            return Effect.zipRight(revoke, destroy(state, cookies))
          }),
        ),
      )
    },
  }
}
