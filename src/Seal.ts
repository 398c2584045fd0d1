/**
 * Sealing: data encrypted and signed into one string in iron's `Fe26.2` format,
 * the format of iron-session and @hapi/iron. A seal made here opens there, and
 * the other way round.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Seal } from "effect-iron-session"
 *
 * const program = Effect.gen(function* () {
 *   const password = "a password of at least 32 characters!"
 *   const sealed = yield* Seal.seal({ userId: 42 }, { password, ttl: "1 hour" })
 *   return yield* Seal.unseal(sealed, { password }) // { userId: 42 }
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(Seal.layer)))
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type {
  BadSealError,
  InvalidOptionError,
  PasswordError,
  SchemaMismatchError,
  SealExpiredError,
  UnserializableDataError,
} from "./Errors.js"
import { nodeCrypto } from "./internal/crypto/node.js"
import type { IronCrypto } from "./internal/crypto/types.js"
import { webCrypto } from "./internal/crypto/web.js"
import * as iron from "./internal/iron.js"
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
 * A single password or a map of passwords by id.
 *
 * @since 0.1.0
 * @category models
 */
export type Password = Secret | PasswordMap

/**
 * A password option that was already checked (see {@link keyring}). Pass it
 * wherever a {@link Password} is taken to skip checking it on every call.
 *
 * @since 0.1.0
 * @category models
 */
export type Keyring = iron.Keyring

/**
 * @since 0.1.0
 * @category models
 */
export interface SealOptions {
  readonly password: Password | Keyring
  /**
   * How long the seal is valid, as any `Duration` input (`"2 hours"`,
   * `Duration.days(7)`). Defaults to 14 days. `Duration.infinity` makes a seal
   * that never expires; nothing else does.
   */
  readonly ttl?: Duration.DurationInput | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface UnsealOptions {
  readonly password: Password | Keyring
}

/**
 * Errors of {@link Seal.seal}.
 *
 * @since 0.1.0
 * @category errors
 */
export type SealError = PasswordError | InvalidOptionError | UnserializableDataError

/**
 * Errors of {@link Seal.unseal}.
 *
 * @since 0.1.0
 * @category errors
 */
export type UnsealError = PasswordError | SealExpiredError | BadSealError

/**
 * The sealing service.
 *
 * @since 0.1.0
 * @category models
 */
export interface Seal {
  /** Which crypto runs underneath: `node` (node:crypto) or `webcrypto` (iron-webcrypto). */
  readonly backend: "node" | "webcrypto"
  /**
   * Seals JSON data. Data JSON cannot carry unchanged (a `Date`, a `Map`,
   * `NaN`, a cycle, ...) is refused with an error naming its path; use
   * {@link sealSchema} for typed data. The seal ends in iron-session's `~2`.
   */
  readonly seal: (data: unknown, options: SealOptions) => Effect.Effect<string, SealError>
  /**
   * Opens a seal, with or without the `~2` marker. Expiry is read from Effect's
   * `Clock`, with iron's 60 seconds of allowance for clock skew.
   */
  readonly unseal: (sealed: string, options: UnsealOptions) => Effect.Effect<unknown, UnsealError>
}

/**
 * The service tag.
 *
 * @since 0.1.0
 * @category tags
 */
export const Seal: Context.Tag<Seal, Seal> = Context.GenericTag<Seal>("effect-iron-session/Seal")

const makeWith = (crypto: IronCrypto): Seal => ({
  backend: crypto.name,
  seal: (data, options) => iron.seal(crypto, data, options.password, options.ttl),
  unseal: (sealed, options) => iron.unseal(crypto, sealed, options.password),
})

/**
 * A sealing service on the fastest crypto the runtime has: `node:crypto` on
 * Node, Bun and Deno, Web Crypto (through iron-webcrypto) everywhere else.
 * Both produce and accept the same seals.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (): Seal => makeWith(nodeCrypto ?? webCrypto)

/**
 * A sealing service that always uses Web Crypto through iron-webcrypto, the
 * implementation iron-session itself uses.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeWebCrypto = (): Seal => makeWith(webCrypto)

/**
 * The default layer: see {@link make}.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Seal } from "effect-iron-session"
 *
 * Seal.seal({ n: 1 }, { password: "a password of at least 32 characters!" }).pipe(Effect.provide(Seal.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Seal> = Layer.sync(Seal, make)

/**
 * A layer that always uses Web Crypto: see {@link makeWebCrypto}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWebCrypto: Layer.Layer<Seal> = Layer.sync(Seal, makeWebCrypto)

/**
 * Checks a password option once (lengths, ids) and returns it ready to use.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { Seal } from "effect-iron-session"
 *
 * const ring = Seal.keyring({ 1: Redacted.make("an old password of 32 characters.."), 2: "the new password, also 32 characters" })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const keyring: (password: Password | Keyring) => Effect.Effect<Keyring, PasswordError> = iron.keyring

/**
 * Seals data with the {@link Seal} service.
 *
 * @since 0.1.0
 * @category accessors
 */
export const seal = (data: unknown, options: SealOptions): Effect.Effect<string, SealError, Seal> =>
  Effect.flatMap(Seal, (service) => service.seal(data, options))

/**
 * Opens a seal with the {@link Seal} service.
 *
 * @since 0.1.0
 * @category accessors
 */
export const unseal = (sealed: string, options: UnsealOptions): Effect.Effect<unknown, UnsealError, Seal> =>
  Effect.flatMap(Seal, (service) => service.unseal(sealed, options))

/**
 * Seals a typed value through its schema: the value is encoded first, so a
 * `Date` field described by `Schema.DateFromNumber` is sealed as a number.
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
 * @category accessors
 */
export const sealSchema =
  <A, I, R>(schema: Schema.Schema<A, I, R>) =>
  (data: A, options: SealOptions): Effect.Effect<string, SealError | SchemaMismatchError, Seal | R> =>
    Schema.encode(schema, { errors: "all" })(data).pipe(
      Effect.mapError((error) => mismatch("encode", error)),
      Effect.flatMap((encoded) => seal(encoded, options)),
    )

/**
 * Opens a seal and decodes its data with a schema. Data that no longer fits
 * the schema is a {@link SchemaMismatchError} (which never quotes the data).
 *
 * @since 0.1.0
 * @category accessors
 */
export const unsealSchema =
  <A, I, R>(schema: Schema.Schema<A, I, R>) =>
  (sealed: string, options: UnsealOptions): Effect.Effect<A, UnsealError | SchemaMismatchError, Seal | R> =>
    unseal(sealed, options).pipe(
      Effect.flatMap((data) =>
        Schema.decodeUnknown(schema, { errors: "all" })(data).pipe(
          Effect.mapError((error) => mismatch("decode", error)),
        ),
      ),
    )
