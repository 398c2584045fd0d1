/**
 * effect-iron-session: stateless, encrypted and signed cookie sessions as
 * Effect services, in the seal format of iron-session and @hapi/iron.
 *
 * The modules that need an optional peer are not part of this entry, so that
 * it loads, and typechecks with `skipLibCheck: false`, with `effect` alone
 * (a declaration file that names a package not installed is an error, TS2307,
 * in every app that checks libraries): import them by their own paths,
 * `effect-iron-session/HttpSession`, `effect-iron-session/Csrf` and
 * `effect-iron-session/KeyValueStore` (`@effect/platform`),
 * `effect-iron-session/Redis` (`ioredis`), and `effect-iron-session/Next`
 * (`next`: a bundler resolves every import of a module it includes, even a
 * lazy one, so the root would stop bundling wherever Next is not installed).
 *
 * @since 0.1.0
 */

/**
 * The CookieStore service and its adapters (Node, web, Next.js, memory).
 *
 * @since 0.1.0
 */
export * as CookieStore from "./CookieStore.js"
/**
 * Every tagged error of the library.
 *
 * @since 0.1.0
 */
export * as Errors from "./Errors.js"
/**
 * Flash messages: a value typed by a Schema, set in one request and read once in a later one.
 *
 * @since 0.1.0
 */
export * as Flash from "./Flash.js"
/**
 * Revocation: end sessions before their seals expire. The in-memory store is
 * here; the KeyValueStore and Redis stores are the subpaths
 * `effect-iron-session/KeyValueStore` and `effect-iron-session/Redis`.
 *
 * @since 0.1.0
 */
export * as Revocation from "./Revocation.js"
/**
 * The Seal service: iron (`Fe26.2`) seal and unseal.
 *
 * @since 0.1.0
 */
export * as Seal from "./Seal.js"
/**
 * Typed sessions: declare a session from a Schema, read and write it as Effects.
 *
 * @since 0.1.0
 */
export * as Session from "./Session.js"
/**
 * A test kit: cookies for a signed-in user, memory cookie stores, and facade cookies.
 *
 * @since 0.1.0
 */
export * as Testing from "./Testing.js"
