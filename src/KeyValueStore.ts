/**
 * The revocation store on any `@effect/platform` `KeyValueStore` (memory,
 * file system, browser storage, or one of your own). See
 * `effect-iron-session/Revocation` for what a revocation store is and does.
 *
 * **Needs `@effect/platform`** (an optional peer): its types name the
 * platform's `KeyValueStore`. That is why it is an entry of its own rather
 * than part of `Revocation`: an app without `@effect/platform` imports
 * `Revocation` and typechecks, even with `skipLibCheck: false`.
 *
 * Its exports keep the names they had in `Revocation` (`layerKeyValueStore`,
 * not `layer`), so that a named import reads on its own beside the platform's
 * own `KeyValueStore` module.
 *
 * @since 0.1.0
 */
import type * as KeyValueStore from "@effect/platform/KeyValueStore"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as internal from "./internal/revocationKeyValueStore.js"
import * as Revocation from "./Revocation.js"

/**
 * A store on any `@effect/platform` `KeyValueStore`, under the keys
 * `effect-iron-session:sid:<id>` (JSON `{"expiresAt":…}`) and
 * `effect-iron-session:sub:<subject>` (JSON `{"at":…,"expiresAt":…}`);
 * wrap the KeyValueStore in `KeyValueStore.prefix` to move them.
 *
 * What a KeyValueStore cannot do, and what that costs:
 *
 * - It cannot read two keys in one call: `check` reads the session's and the
 *   subject's keys concurrently, one round trip of time in two requests.
 * - It has no expiry: records carry their own, are ignored once past it, and
 *   are removed when a lookup meets them (one more request, once per record).
 *   Records never looked up again stay; clear the store now and then.
 * - It has no compare-and-set: `revokeSubject` reads, compares and writes,
 *   one call at a time within this instance, but two processes writing the
 *   same subject at once could keep the earlier time. Use `layerRedis` from
 *   `effect-iron-session/Redis` for several processes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeKeyValueStore: Effect.Effect<Revocation.Revocation, never, KeyValueStore.KeyValueStore> = internal.make

/**
 * A store on the app's `KeyValueStore`: see {@link makeKeyValueStore}.
 *
 * @example
 * ```ts
 * import { KeyValueStore } from "@effect/platform"
 * import { Layer } from "effect"
 * import { layerKeyValueStore } from "effect-iron-session/KeyValueStore"
 *
 * const RevocationLive = layerKeyValueStore.pipe(
 *   Layer.provide(KeyValueStore.layerMemory), // or layerFileSystem(dir), layerStorage(...)
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerKeyValueStore: Layer.Layer<Revocation.Revocation, never, KeyValueStore.KeyValueStore> = Layer.effect(
  Revocation.Revocation,
  makeKeyValueStore,
)
