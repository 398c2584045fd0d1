/**
 * Options that may come from `Config`: a value, or a `Config` read when the
 * layer is built, so a missing or bad setting fails at start-up.
 *
 * @internal
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"

/** An option's value, or a `Config` that gives it when the layer is built. */
export type Configurable<A> = A | Config.Config<A>

/** Reads a {@link Configurable}. */
export const configured = <A>(value: Configurable<A>): Effect.Effect<A, ConfigError.ConfigError> =>
  Config.isConfig(value) ? (value as Config.Config<A>) : Effect.succeed(value)

/** An object whose every field is {@link Configurable}, or a `Config` of the whole object. */
export type ConfigurableFields<A> = Config.Config<A> | { readonly [K in keyof A]: Configurable<A[K]> }

/** Reads a {@link ConfigurableFields}, field by field, keeping which fields were given. */
export const configuredFields = <A extends object>(
  value: ConfigurableFields<A>,
): Effect.Effect<A, ConfigError.ConfigError> => {
  if (Config.isConfig(value)) return value as Config.Config<A>
  return Effect.map(
    Effect.forEach(Object.entries(value), ([key, field]) =>
      Effect.map(configured(field as Configurable<unknown>), (resolved) => [key, resolved] as const),
    ),
    (entries) => Object.fromEntries(entries) as A,
  )
}
