/**
 * The revocation store on Redis, through ioredis 5: one store shared by every
 * instance of the app, one round trip per check. See
 * `effect-iron-session/Revocation` for what a revocation store is and does.
 *
 * **Needs `ioredis`** (5.8 or newer, an optional peer: `npm install ioredis`),
 * for its types as much as for a connection made from a URL. That is why it
 * is an entry of its own rather than part of `Revocation`: an app that does
 * not use Redis imports `Revocation` and typechecks without ioredis installed,
 * even with `skipLibCheck: false`.
 *
 * Its exports keep the names they had in `Revocation` (`layerRedis`, not
 * `layer`), so that a named import reads on its own and does not clash with
 * ioredis' own `Redis` class.
 *
 * @example
 * ```ts
 * import { Config } from "effect"
 * import { layerRedisConfig } from "effect-iron-session/Redis"
 *
 * // Provided beside the session layers: every session read checks Redis, and
 * // a sign-out made on one instance of the app reaches all of them.
 * const RevocationLive = layerRedisConfig({ url: Config.redacted("REDIS_URL") })
 * ```
 *
 * @since 0.1.0
 */
import type * as ConfigError from "effect/ConfigError"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { Redis } from "ioredis"
import type { RevocationUnavailableError } from "./Errors.js"
import * as config from "./internal/config.js"
import * as internal from "./internal/revocationRedis.js"
import * as Revocation from "./Revocation.js"

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
export const makeRedis: (
  options: RedisOptions,
) => Effect.Effect<Revocation.Revocation, RevocationUnavailableError, Scope.Scope> = internal.make

/**
 * A store on Redis: see {@link makeRedis}. Built from a URL, the layer owns
 * its connection and quits it when released.
 *
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { Revocation } from "effect-iron-session"
 * import { layerRedis } from "effect-iron-session/Redis"
 *
 * const RevocationLive = layerRedis({ url: "redis://127.0.0.1:6379", timeout: "200 millis" })
 *
 * const signOut = (sessionId: string, sealExpiresAt: number) =>
 *   Effect.flatMap(Revocation.Revocation, (revocation) => revocation.revokeSession(sessionId, sealExpiresAt))
 *
 * const isRevoked = (session: Revocation.SessionRef) =>
 *   Effect.flatMap(Revocation.Revocation, (revocation) => revocation.check(session)).pipe(Effect.map(Option.isSome))
 *
 * // With a client the app already has (never closed here):
 * // layerRedis({ client: redisClient, prefix: "myapp:" })
 * const program = signOut("s1", Date.now() + 60_000).pipe(Effect.provide(RevocationLive))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerRedis = (options: RedisOptions): Layer.Layer<Revocation.Revocation, RevocationUnavailableError> =>
  Layer.scoped(Revocation.Revocation, makeRedis(options))

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
 * import { layerRedisConfig } from "effect-iron-session/Redis"
 *
 * const RevocationLive = layerRedisConfig({
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
): Layer.Layer<Revocation.Revocation, RevocationUnavailableError | ConfigError.ConfigError> =>
  Layer.scoped(
    Revocation.Revocation,
    Effect.gen(function* () {
      const url = yield* config.configured(options.url)
      const prefix = yield* config.configured(options.prefix)
      const timeout = yield* config.configured(options.timeout)
      const connectTimeout = yield* config.configured(options.connectTimeout)
      return yield* makeRedis({ url, prefix, timeout, connectTimeout })
    }),
  )
