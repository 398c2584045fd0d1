import { Effect } from "effect"
import { Seal } from "effect-iron-session"

/**
 * The one-off seal and unseal, once on each crypto backend, so a suite runs
 * every rule against both and a difference between them fails a test.
 */
export const services = (["node", "webcrypto"] as const).map((backend) => {
  const on = <A, E>(effect: Effect.Effect<A, E>) =>
    Effect.provideService(effect, Seal.CryptoBackend, Seal.backends[backend] ?? Seal.backends.webcrypto)
  return {
    backend,
    seal: (data: unknown, options: Seal.Options) => on(Seal.seal(data, options)),
    unseal: (sealed: string, options: Seal.UnsealOptions) => on(Seal.unseal(sealed, options)),
  }
})
