/**
 * The implementations under test, each behind the same two async calls, with
 * the same payload, password and 14-day ttl, called the way an application
 * would call them.
 */
import * as HapiIron from "@hapi/iron"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Seal from "effect-iron-session/Seal"
import { sealData, unsealData } from "iron-session"

/** A typical session. */
export const PAYLOAD = {
  user: { id: 42, name: "Ada Lovelace", roles: ["admin", "editor"] },
  visits: 17,
  signedInAt: 1700000000000,
}

/** 40 characters, above iron's 32-character minimum. */
export const PASSWORD = "benchmark-password-of-40-characters-long"

export const TTL_DAYS = 14
export const TTL_MS = TTL_DAYS * 24 * 60 * 60 * 1000
const TTL_SECONDS = TTL_MS / 1000

export interface Implementation {
  /** Shown in the table, e.g. `effect-iron-session (node, keyring)`. */
  readonly name: string
  /** iron-session: the baseline every ratio is taken against. */
  readonly baseline: boolean
  readonly seal: (data: unknown) => Promise<string>
  /** Opens a seal. It may come from any implementation (the cross-check). */
  readonly unseal: (sealed: string) => Promise<unknown>
}

/** Built once, as an application would; every call runs on it. */
const runtime = ManagedRuntime.make(Layer.empty)

const on =
  (backend: Seal.Backend) =>
  <A, E>(effect: Effect.Effect<A, E>) =>
    Effect.provideService(effect, Seal.CryptoBackend, backend)

/** A configured sealer (options checked once), as the sessions use one. */
const configured = (backend: Seal.Backend) => {
  const service = Effect.runSync(Seal.make({ password: PASSWORD, ttl: `${TTL_DAYS} days` }).pipe(on(backend)))
  return {
    name: `effect-iron-session (${backend.name}, configured)`,
    baseline: false,
    seal: (data: unknown) => runtime.runPromise(service.seal(data)),
    unseal: (sealed: string) => runtime.runPromise(service.unseal(sealed)),
  }
}

/** The one-off calls, which check the options on every call. */
const oneOff = (backend: Seal.Backend) => ({
  name: `effect-iron-session (${backend.name}, one-off)`,
  baseline: false,
  seal: (data: unknown) =>
    runtime.runPromise(Seal.seal(data, { password: PASSWORD, ttl: `${TTL_DAYS} days` }).pipe(on(backend))),
  unseal: (sealed: string) => runtime.runPromise(Seal.unseal(sealed, { password: PASSWORD }).pipe(on(backend))),
})

const HAPI_OPTIONS: HapiIron.SealOptions = { ...HapiIron.defaults, ttl: TTL_MS }

/** @hapi/iron does not know iron-session's `~2` marker (it sits outside the MAC): strip it. */
const withoutMarker = (sealed: string): string => {
  const tilde = sealed.indexOf("~")
  return tilde === -1 ? sealed : sealed.slice(0, tilde)
}

export const makeImplementations = (): ReadonlyArray<Implementation> => {
  const node = Seal.backends.node
  if (node === undefined) throw new Error("node:crypto is not available: the node backend cannot be measured here")
  const web = Seal.backends.webcrypto
  return [
    configured(node),
    oneOff(node),
    configured(web),
    oneOff(web),
    {
      name: "iron-session",
      baseline: true,
      seal: (data) => sealData(data, { password: PASSWORD, ttl: TTL_SECONDS }),
      // unsealData returns {} for a seal it refuses: the cross-check catches that.
      unseal: (sealed) => unsealData(sealed, { password: PASSWORD, ttl: TTL_SECONDS }),
    },
    {
      name: "@hapi/iron",
      baseline: false,
      seal: (data) => HapiIron.seal(data, { id: "1", secret: PASSWORD }, HAPI_OPTIONS),
      unseal: (sealed) => HapiIron.unseal(withoutMarker(sealed), { 1: PASSWORD }, HAPI_OPTIONS),
    },
  ]
}
