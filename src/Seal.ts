/**
 * Sealing: data encrypted and signed into one string in iron's `Fe26.2`
 * format, the format of iron-session and @hapi/iron. A seal made here opens
 * there, and the other way round.
 *
 * Two ways to seal:
 *
 * - A **configured sealer**, the {@link Seal} service: the password and the
 *   ttl are checked once, by {@link make}, {@link layer} or
 *   {@link layerConfig}, and its `seal` and `unseal` then fail only because of
 *   the data (an unserializable value, an expired or tampered seal).
 * - **One-off** {@link seal} and {@link unseal}, with the options in the call:
 *   for a token here and there (a magic link, an email confirmation). They
 *   check the options on every call, so their errors include the options'.
 *
 * @example
 * ```ts
 * import { Config, Effect } from "effect"
 * import { Seal } from "effect-iron-session"
 *
 * const program = Effect.gen(function* () {
 *   const tokens = yield* Seal.Seal
 *   const token = yield* tokens.seal({ userId: 42 })
 *   return yield* tokens.unseal(token) // { userId: 42 }
 * })
 *
 * const TokensLive = Seal.layerConfig({ password: Config.redacted("TOKEN_PASSWORD"), ttl: "15 minutes" })
 * // program.pipe(Effect.provide(TokensLive)): a missing or short TOKEN_PASSWORD fails the layer
 * ```
 *
 * @since 0.1.0
 */
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type {
  BadSealError,
  OptionsError,
  SchemaMismatchError,
  SealExpiredError,
  UnserializableDataError,
} from "./Errors.js"
import { type Configurable, configured } from "./internal/config.js"
import * as bridge from "./internal/effect.js"
import { nodeCrypto } from "./internal/kernel/crypto/node.js"
import type { IronCrypto } from "./internal/kernel/crypto/types.js"
import { webCrypto } from "./internal/kernel/crypto/web.js"
import * as iron from "./internal/kernel/iron.js"
import { mismatch } from "./internal/schema.js"

/**
 * One password: a string, or a `Redacted<string>` (from `Config.redacted`), of
 * at least 32 characters.
 *
 * @since 0.1.0
 * @category models
 */
export type Secret = string | Redacted.Redacted<string>

/**
 * Passwords by integer id, for rotation: the highest id seals, every id unseals.
 *
 * @example
 * ```ts
 * import type { Seal } from "effect-iron-session"
 *
 * const passwords: Seal.PasswordMap = { 1: process.env.OLD_PASSWORD!, 2: process.env.NEW_PASSWORD! }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type PasswordMap = { readonly [id: number]: Secret }

/**
 * A single password or a map of passwords by id. A single password seals with
 * id `1` (as iron-session does) and opens seals stamped with id `1` or with no
 * id (as @hapi/iron writes them under a plain password); a seal naming another
 * id fails with `BadSealError` `unknown-password-id`.
 *
 * @since 0.1.0
 * @category models
 */
export type Password = Secret | PasswordMap

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly password: Password
  /**
   * How long a seal is valid, as any `Duration` input (`"2 hours"`,
   * `Duration.days(7)`). Defaults to 14 days. `Duration.infinity` makes a seal
   * that never expires; nothing else does.
   */
  readonly ttl?: Duration.DurationInput | undefined
  /**
   * Binds the seal to a purpose (`"magic-link"`, `"email-confirmation"`),
   * checked inside the MAC: it opens only where the same purpose is expected,
   * and a reader expecting a purpose refuses a seal bound to none. Either way
   * the refusal is `BadSealError` with reason `purpose`. A session cookie is
   * never a token and a token never a session cookie. To iron-session a bound
   * seal reads as the data with one more key, `~purpose`.
   */
  readonly purpose?: string | undefined
}

/**
 * Options for opening a seal.
 *
 * @since 0.1.0
 * @category models
 */
export interface UnsealOptions {
  readonly password: Password
  /** The purpose the seal must be bound to: see {@link Options.purpose}. */
  readonly purpose?: string | undefined
}

/**
 * A configured sealer: the password and the ttl were checked when it was made,
 * so its operations fail only because of the data.
 *
 * @since 0.1.0
 * @category models
 */
export interface Seal {
  /** Which crypto runs underneath: `node` (node:crypto) or `webcrypto` (Web Crypto). */
  readonly backend: BackendName
  /**
   * Seals JSON data. Data JSON cannot carry unchanged (a `Date`, a `Map`,
   * `NaN`, a cycle, nesting deeper than 1000 levels, ...) is refused with an
   * error naming its path; use {@link Seal.sealSchema} for typed data. The
   * seal ends in iron-session's `~2`.
   */
  readonly seal: (data: unknown) => Effect.Effect<string, UnserializableDataError>
  /**
   * Opens a seal, with or without the `~2` marker. The integrity is checked
   * first, then the expiry, read from Effect's `Clock` with iron's 60 seconds
   * of allowance for clock skew.
   */
  readonly unseal: (sealed: string) => Effect.Effect<unknown, SealExpiredError | BadSealError>
  /**
   * Seals a typed value through its schema: the value is encoded first, so a
   * `Date` field described by `Schema.DateFromNumber` is sealed as a number.
   */
  readonly sealSchema: <A, I, R>(
    schema: Schema.Schema<A, I, R>,
  ) => (data: A) => Effect.Effect<string, UnserializableDataError | SchemaMismatchError, R>
  /**
   * Opens a seal and decodes its data with a schema. Data that no longer fits
   * the schema is a `SchemaMismatchError`, which never quotes the data.
   */
  readonly unsealSchema: <A, I, R>(
    schema: Schema.Schema<A, I, R>,
  ) => (sealed: string) => Effect.Effect<A, SealExpiredError | BadSealError | SchemaMismatchError, R>
}

/**
 * The service tag of a configured sealer.
 *
 * @since 0.1.0
 * @category tags
 */
export const Seal: Context.Tag<Seal, Seal> = Context.GenericTag<Seal>("effect-iron-session/Seal")

/**
 * @since 0.1.0
 * @category models
 */
export type BackendName = "node" | "webcrypto"

declare const BackendTypeId: unique symbol

/**
 * The crypto a sealer runs on. Obtain one from {@link backends}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Backend {
  readonly [BackendTypeId]: typeof BackendTypeId
  readonly name: BackendName
}

const asBackend = (crypto: IronCrypto): Backend => crypto as unknown as Backend
const cryptoOf = (backend: Backend): IronCrypto => backend as unknown as IronCrypto

/**
 * The backends this runtime has. `node` runs the protocol on `node:crypto`
 * (Node, Bun, Deno, Workers with `nodejs_compat`), found at run time through
 * `process.getBuiltinModule` so the package imports nothing from `node:`;
 * it is `undefined` elsewhere. `webcrypto` runs on `crypto.subtle`, everywhere.
 * Both make and open the same seals.
 *
 * @since 0.1.0
 * @category constructors
 */
export const backends: { readonly node: Backend | undefined; readonly webcrypto: Backend } = {
  node: nodeCrypto === undefined ? undefined : asBackend(nodeCrypto),
  webcrypto: asBackend(webCrypto),
}

/**
 * The crypto every sealer and session built in its scope runs on: by default
 * the fastest this runtime has (`node` where it exists, else `webcrypto`).
 * Provide another to force one, as {@link layerWebCrypto} does.
 *
 * @since 0.1.0
 * @category tags
 */
export class CryptoBackend extends Context.Reference<CryptoBackend>()("effect-iron-session/Seal/CryptoBackend", {
  defaultValue: (): Backend => backends.node ?? backends.webcrypto,
}) {}

/**
 * Makes every sealer and session built with this layer use Web Crypto, even
 * where `node:crypto` exists (to test the edge path on Node, say).
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Seal } from "effect-iron-session"
 *
 * const TokensOnWebCrypto = Seal.layer({ password: "a password of at least 32 characters!" }).pipe(
 *   Layer.provide(Seal.layerWebCrypto),
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWebCrypto: Layer.Layer<never> = Layer.succeed(CryptoBackend, backends.webcrypto)

/** The service over a checked sealer. */
const fromSealer = (sealer: iron.Sealer): Seal => ({
  backend: sealer.crypto.name,
  seal: (data) => bridge.seal(sealer, data),
  unseal: (sealed) => bridge.unseal(sealer, sealed),
  sealSchema: (schema) => {
    const encode = Schema.encode(schema, { errors: "all" })
    return (data) =>
      encode(data).pipe(
        Effect.mapError((error) => mismatch("encode", error)),
        Effect.flatMap((encoded) => bridge.seal(sealer, encoded)),
      )
  },
  unsealSchema: (schema) => {
    const decode = Schema.decodeUnknown(schema, { errors: "all" })
    return (sealed) =>
      bridge
        .unseal(sealer, sealed)
        .pipe(Effect.flatMap((data) => Effect.mapError(decode(data), (error) => mismatch("decode", error))))
  },
})

const sealer = (options: {
  readonly password: unknown
  readonly ttl?: Duration.DurationInput | undefined
  readonly purpose?: string | undefined
}) =>
  Effect.flatMap(CryptoBackend, (backend) => {
    const made = bridge.makeSealer(cryptoOf(backend), options)
    return iron.isSealer(made) ? Effect.succeed(made) : Effect.fail(bridge.fromKernel(made))
  })

/**
 * Makes a configured sealer, checking the password (present, at least 32
 * characters, integer ids) and the ttl once.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Seal } from "effect-iron-session"
 *
 * const program = Effect.gen(function* () {
 *   const links = yield* Seal.make({ password: process.env.LINK_PASSWORD!, ttl: "15 minutes" })
 *   return yield* links.seal({ email: "ada@example.com" })
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Seal, OptionsError> => Effect.map(sealer(options), fromSealer)

/**
 * A layer of a configured sealer: see {@link make}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Seal, OptionsError> => Layer.effect(Seal, make(options))

/**
 * A layer of a configured sealer whose options come from `Config` (each may
 * also be a plain value). A missing or bad value fails the layer when it is
 * built.
 *
 * @example
 * ```ts
 * import { Config } from "effect"
 * import { Seal } from "effect-iron-session"
 *
 * const TokensLive = Seal.layerConfig({
 *   password: Config.redacted("TOKEN_PASSWORD"),
 *   ttl: Config.duration("TOKEN_TTL").pipe(Config.withDefault("1 hour")),
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (options: {
  readonly password: Configurable<Password>
  readonly ttl?: Configurable<Duration.DurationInput> | undefined
  readonly purpose?: Configurable<string> | undefined
}): Layer.Layer<Seal, OptionsError | ConfigError.ConfigError> =>
  Layer.effect(
    Seal,
    Effect.gen(function* () {
      const password = yield* configured(options.password)
      const ttl = yield* configured(options.ttl)
      const purpose = yield* configured(options.purpose)
      return yield* make({ password, ttl, purpose })
    }),
  )

/**
 * Seals data once, checking the options in the call: for a token here and
 * there. A service made once ({@link make}) checks them once instead.
 *
 * @example
 * ```ts
 * import { Seal } from "effect-iron-session"
 *
 * const link = Seal.seal({ email: "ada@example.com" }, { password: process.env.LINK_PASSWORD!, ttl: "15 minutes" })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const seal = (data: unknown, options: Options): Effect.Effect<string, OptionsError | UnserializableDataError> =>
  Effect.flatMap(sealer(options), (s) => bridge.seal(s, data))

/**
 * Opens a seal once, checking the options in the call.
 *
 * @since 0.1.0
 * @category constructors
 */
export const unseal = (
  sealed: string,
  options: UnsealOptions,
): Effect.Effect<unknown, OptionsError | SealExpiredError | BadSealError> =>
  Effect.flatMap(sealer(options), (s) => bridge.unseal(s, sealed))

/**
 * Seals a typed value once, through its schema.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Seal } from "effect-iron-session"
 *
 * const User = Schema.Struct({ id: Schema.Number, since: Schema.DateFromNumber })
 * const password = "a password of at least 32 characters!"
 *
 * const program = Effect.gen(function* () {
 *   const sealed = yield* Seal.sealSchema(User)({ id: 1, since: new Date() }, { password })
 *   const user = yield* Seal.unsealSchema(User)(sealed, { password })
 *   return user.since.getTime() // a Date again
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const sealSchema =
  <A, I, R>(schema: Schema.Schema<A, I, R>) =>
  (data: A, options: Options): Effect.Effect<string, OptionsError | UnserializableDataError | SchemaMismatchError, R> =>
    Effect.flatMap(sealer(options), (s) => fromSealer(s).sealSchema(schema)(data))

/**
 * Opens a seal once and decodes its data with a schema.
 *
 * @since 0.1.0
 * @category constructors
 */
export const unsealSchema =
  <A, I, R>(schema: Schema.Schema<A, I, R>) =>
  (
    sealed: string,
    options: UnsealOptions,
  ): Effect.Effect<A, OptionsError | SealExpiredError | BadSealError | SchemaMismatchError, R> =>
    Effect.flatMap(sealer(options), (s) => fromSealer(s).unsealSchema(schema)(sealed))
