/**
 * The Redis store, on ioredis 5. ioredis is an optional peer dependency, so it
 * is only imported (dynamically) when a layer is built from a URL; an app that
 * hands us its own client, or never uses Redis, never loads it from here.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { Redis } from "ioredis"
import { RevocationUnavailableError } from "../Errors.js"
import type { Revocation } from "../Revocation.js"
import { defaultPrefix, instrument, sessionKey, subjectKey, subjectTime, verdict } from "./revocation.js"

export interface Options {
  readonly url?: string | Redacted.Redacted<string> | undefined
  readonly client?: Redis | undefined
  readonly prefix?: string | undefined
  readonly timeout?: Duration.DurationInput | undefined
  readonly connectTimeout?: Duration.DurationInput | undefined
}

export const defaultTimeout: Duration.DurationInput = "250 millis"
export const defaultConnectTimeout: Duration.DurationInput = "5 seconds"

/** How many commands in a row may time out before a connection we own is made again. */
const TIMEOUTS_BEFORE_RECONNECT = 3

/**
 * Keeps the latest `at` of a subject, atomically: set when absent or lower.
 * Its expiry only ever grows (`retainUntil` is relative here, in ms: the app's
 * clock decides how long, as it decides when seals expire). Written for Redis
 * 6.0+ (`KEEPTTL`), without the 7.0-only `PEXPIRE … GT`.
 *
 * A value that is not a number is replaced (the caller knows a good time).
 */
const KEEP_LATEST = `
local at = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local current = tonumber(redis.call('GET', KEYS[1]))
if current == nil then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
  return 1
end
if current < at then
  redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
end
local left = redis.call('PTTL', KEYS[1])
if left >= 0 and left < ttl then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return 0
`

const unavailable = (detail: string) => new RevocationUnavailableError({ store: "redis", detail })

/**
 * What went wrong, in words that never hold a key or a value: ioredis puts the
 * command's arguments in some messages, and a Redis error reply can quote them.
 * Only the error's kind is kept (a socket code, the reply's first word).
 */
export const describe = (error: unknown): string => {
  if (!(error instanceof Error)) return "the client failed"
  const code = (error as { readonly code?: unknown }).code
  if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
    return "the ioredis package is not installed (npm install ioredis), or pass a client"
  }
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return `connection failed (${code})`
  if (error.name === "MaxRetriesPerRequestError") return "the connection was lost"
  if (error.message.startsWith("Stream isn't writeable")) return "not connected (reconnecting)"
  if (error.message === "Connection is closed.") return "the connection is closed"
  if (error.message.startsWith("Protocol error")) return "the server does not speak the Redis protocol"
  if (error.name === "ReplyError") {
    const word = /^[A-Z]+\b/.exec(error.message)?.[0]
    return word === undefined ? "Redis replied with an error" : `Redis replied with an error (${word})`
  }
  return `the client failed (${error.name})`
}

const millis = (duration: Duration.Duration) => Math.max(1, Math.round(Duration.toMillis(duration)))

/**
 * Waits until a client can take commands, or fails. A client not yet
 * connected (`lazyConnect`) is connected here, and a refused connection fails
 * at once; a client already connecting or reconnecting is waited for. The
 * first `error` event names the cause: a failed `connect()` only says
 * "Connection is closed.", and the errors after the first are its echoes
 * (the ready check refused on a closing stream).
 */
const whenReady = (client: Redis, timeout: Duration.Duration): Effect.Effect<void, RevocationUnavailableError> => {
  if (client.status === "ready") return Effect.void
  if (client.status === "end") return Effect.fail(unavailable("the client was closed (quit or disconnect)"))
  let firstError: unknown
  return Effect.async<void, RevocationUnavailableError>((resume) => {
    const onError = (error: unknown) => {
      firstError ??= error
    }
    let finished = false
    const finish = (outcome: Effect.Effect<void, RevocationUnavailableError>) => {
      if (finished) return
      finished = true
      client.off("error", onError)
      client.off("ready", onReady)
      client.off("end", onEnd)
      resume(outcome)
    }
    const onReady = () => finish(Effect.void)
    const onEnd = () => finish(Effect.fail(unavailable(describe(firstError ?? new Error("Connection is closed.")))))
    client.on("error", onError)
    client.once("ready", onReady)
    client.once("end", onEnd)
    if (client.status === "wait") {
      client.connect().catch((error: unknown) => finish(Effect.fail(unavailable(describe(firstError ?? error)))))
    }
    return Effect.sync(() => {
      finished = true
      client.off("error", onError)
      client.off("ready", onReady)
      client.off("end", onEnd)
    })
  }).pipe(
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () =>
        unavailable(
          `not connected after ${millis(timeout)} ms${firstError === undefined ? "" : `: ${describe(firstError)}`}`,
        ),
    }),
  )
}

/**
 * The module name in a variable, with each bundler's "leave it" comment: a
 * bundler must not resolve (or worse, bundle into an edge build) an optional
 * peer that only Node apps using Redis from a URL load, at run time.
 */
const ioredis = "ioredis"
type IoRedis = Promise<typeof import("ioredis")>

/** A client made from a URL, owned by the scope: quit (then disconnected) on release. */
const acquireClient = (
  url: string | Redacted.Redacted<string>,
  connectTimeout: Duration.Duration,
): Effect.Effect<Redis, RevocationUnavailableError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => import(/* webpackIgnore: true */ /* turbopackIgnore: true */ /* @vite-ignore */ ioredis) as IoRedis,
      catch: (error) => unavailable(describe(error)),
    }).pipe(
      Effect.map(
        ({ Redis }) =>
          new Redis(Redacted.isRedacted(url) ? Redacted.value(url) : url, {
            // Connect in `whenReady`, so that an unreachable server fails the
            // layer at start-up with its cause instead of failing the first check.
            lazyConnect: true,
            // Fail fast while disconnected: a command is refused at once
            // rather than queued until the server is back (the session engine
            // then applies its fail-closed or fail-open policy)...
            enableOfflineQueue: false,
            // ...and one in flight when the connection drops is failed, not retried.
            maxRetriesPerRequest: 0,
            connectTimeout: millis(connectTimeout),
            // Reconnect by itself, forever, at most a second apart: sessions
            // are refused while Redis is away, so it should be noticed soon
            // when it is back. (The default backs off to two seconds.)
            retryStrategy: (times: number) => Math.min(times * 100, 1000),
          }),
      ),
      Effect.tap((client) => {
        // Without a listener ioredis prints every failed reconnection to the
        // console. The failures reach callers as RevocationUnavailableError.
        client.on("error", () => {})
      }),
    ),
    (client) =>
      Effect.tryPromise(() => client.quit()).pipe(
        Effect.timeout(connectTimeout),
        Effect.ignore,
        // quit is refused while disconnected (no offline queue): stop the
        // reconnection loop in every case.
        Effect.ensuring(Effect.sync(() => client.disconnect())),
      ),
  )

export const make = (options: Options): Effect.Effect<Revocation, RevocationUnavailableError, Scope.Scope> =>
  Effect.gen(function* () {
    const timeout = Duration.decode(options.timeout ?? defaultTimeout)
    const connectTimeout = Duration.decode(options.connectTimeout ?? defaultConnectTimeout)
    const prefix = options.prefix ?? defaultPrefix
    if ((options.client === undefined) === (options.url === undefined)) {
      return yield* unavailable("give either a url or a client, not both or neither")
    }
    const owned = options.client === undefined
    const client = options.client ?? (yield* acquireClient(options.url!, connectTimeout))
    // The app's own client is used as it is (its offline queue, its retries);
    // the timeout below bounds every command either way.
    yield* whenReady(client, connectTimeout)

    // A connection whose peer vanished without closing it (a failover that
    // moved the address, a dropped route) is not noticed by TCP for many
    // minutes: every command would wait out its timeout meanwhile. So a
    // connection we own that has let several commands in a row time out is
    // dropped and made again; the commands then fail at once until it is.
    let timeoutsInARow = 0
    const answered = Effect.sync(() => {
      timeoutsInARow = 0
    })
    const timedOut = Effect.sync(() => {
      if (++timeoutsInARow < TIMEOUTS_BEFORE_RECONNECT || !owned) return
      timeoutsInARow = 0
      client.disconnect(true)
    })

    const run = <A>(command: () => Promise<A>): Effect.Effect<A, RevocationUnavailableError> =>
      Effect.tryPromise({ try: command, catch: (error) => unavailable(describe(error)) }).pipe(
        // The command itself is not cancelled (ioredis cannot); its answer is dropped.
        Effect.timeout(timeout),
        Effect.matchEffect({
          onSuccess: (answer) => Effect.as(answered, answer),
          onFailure: (error) =>
            error._tag === "TimeoutException"
              ? Effect.zipRight(timedOut, Effect.fail(unavailable(`no answer within ${millis(timeout)} ms`)))
              : Effect.fail(error),
        }),
      )

    /** Milliseconds from now (the app's Clock) until `at`. */
    const untilTime = (at: number) => Effect.map(Clock.currentTimeMillis, (now) => Math.ceil(at - now))

    return {
      check: instrument("redis", (session) => {
        const keys =
          session.subject === undefined
            ? [sessionKey(prefix, session.id)]
            : [sessionKey(prefix, session.id), subjectKey(prefix, session.subject)]
        // One MGET: one round trip, whatever the session carries.
        return Effect.map(
          run(() => client.mget(keys)),
          ([revoked, at]) => verdict(session, revoked != null, at == null ? undefined : subjectTime(at)),
        )
      }),
      // Expiries are sent relative (PX), computed from the app's Clock: it is
      // that clock that decides when the seal expires, and a relative TTL does
      // not depend on the Redis host's clock agreeing with it.
      revokeSession: (sessionId, expiresAt) =>
        Effect.flatMap(untilTime(expiresAt), (ttl) =>
          ttl <= 0 ? Effect.void : Effect.asVoid(run(() => client.set(sessionKey(prefix, sessionId), "1", "PX", ttl))),
        ),
      revokeSubject: (subject, at, retainUntil) =>
        Effect.flatMap(untilTime(retainUntil), (ttl) =>
          ttl <= 0
            ? Effect.void
            : Effect.asVoid(
                run(() => client.eval(KEEP_LATEST, 1, subjectKey(prefix, subject), String(at), String(ttl))),
              ),
        ),
    } satisfies Revocation
  })
