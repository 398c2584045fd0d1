/**
 * The work behind `Csrf.ts`: the origin check (pure, over a request's method
 * and headers) and the session-bound tokens (HMAC over Web Crypto).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import * as Option from "effect/Option"
import { InvalidOptionError } from "../Errors.js"

/** Why a request was refused. */
export type Reason = "cross-origin" | "missing-origin" | "missing-token" | "bad-token"

/**
 * Methods that must not change state (RFC 9110 §9.2.1), so a cross-site
 * request with one of them cannot do harm by itself. A handler that changes
 * state on GET is not protected by any CSRF check, this one included.
 */
const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "TRACE"])

export const isSafe = (method: string): boolean => SAFE_METHODS.has(method.toUpperCase())

/** What the origin check needs to know, checked once. */
export interface Policy {
  readonly allowed: ReadonlySet<string>
  readonly trustProxy: boolean
  readonly missingOrigin: "allow" | "refuse"
}

/** `scheme://host[:port]`, lower-cased with the default port dropped; undefined for anything else, `null` included. */
export const normalizeOrigin = (origin: string): string | undefined => {
  try {
    const url = new URL(origin)
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined
    return url.origin
  } catch {
    return undefined
  }
}

/**
 * An `Origin` header as an origin, or undefined unless it is one exactly as a
 * browser serializes it (RFC 6454 §6.2): `scheme://host[:port]`, with no
 * path, query, fragment or `user@`, and no default port. Normalizing would
 * turn `https://app.example/evil` or `https://user@app.example` into the
 * site's own origin; no browser sends either, so whoever sends it is not one
 * of the site's pages, and `https://app.example:443` is refused for the same
 * reason. Only the case is forgiven: scheme and host are case-insensitive and
 * the URL parser lower-cases them anyway.
 */
export const originHeader = (header: string): string | undefined => {
  const origin = normalizeOrigin(header)
  return origin !== undefined && origin === header.toLowerCase() ? origin : undefined
}

/** An allow-list entry as an origin, or undefined when it is more (a path, a query) or less than one. */
const allowListEntry = (origin: string): string | undefined => {
  try {
    const url = new URL(origin)
    // `https://a.example/app` would be compared as its origin, silently
    // allowing more than was written: refuse it instead.
    const bare = url.pathname === "/" && url.search === "" && url.hash === "" && url.username === ""
    return bare && url.password === "" ? normalizeOrigin(origin) : undefined
  } catch {
    return undefined
  }
}

export const policy = (options: {
  readonly allowedOrigins?: ReadonlyArray<string> | undefined
  readonly trustProxy?: boolean | undefined
  readonly missingOrigin?: "allow" | "refuse" | undefined
}): Policy | InvalidOptionError => {
  const allowed = new Set<string>()
  for (const origin of options.allowedOrigins ?? []) {
    const normalized = allowListEntry(origin)
    if (normalized === undefined) {
      return new InvalidOptionError({
        option: "allowedOrigins",
        reason: `${JSON.stringify(origin)} is not an origin. Write each as scheme://host[:port], such as "https://admin.example.com", with no path.`,
      })
    }
    allowed.add(normalized)
  }
  return {
    allowed,
    trustProxy: options.trustProxy === true,
    missingOrigin: options.missingOrigin ?? "allow",
  }
}

/** A request, as the origin check reads it. */
export interface Facts {
  readonly method: string
  /** A header's value (lower-case name), or undefined. */
  readonly header: (name: string) => string | undefined
  /** The origin the request was sent to, as this server sees it (scheme and Host), before any proxy header. */
  readonly origin: () => string | undefined
}

/** The first value of a comma-separated proxy header (`X-Forwarded-Proto: https, http`): the client-facing hop. */
const firstValue = (value: string | undefined): string | undefined => {
  const first = value?.split(",")[0]?.trim()
  return first === undefined || first === "" ? undefined : first
}

/**
 * The request's own origin. Behind a proxy that terminates TLS or rewrites
 * Host, the server sees `http://internal:3000` while the browser sends
 * `Origin: https://example.com`: `trustProxy` takes `X-Forwarded-Proto` and
 * `X-Forwarded-Host` instead. Off by default, because a client that reaches
 * the server directly can send those headers too.
 */
const ownOrigin = (policy: Policy, facts: Facts): string | undefined => {
  const direct = facts.origin()
  if (!policy.trustProxy) return direct
  const proto = firstValue(facts.header("x-forwarded-proto"))
  const host = firstValue(facts.header("x-forwarded-host"))
  if (proto === undefined && host === undefined) return direct
  const base = direct === undefined ? undefined : new URL(direct)
  const scheme = proto ?? base?.protocol.replace(/:$/, "")
  const authority = host ?? base?.host
  return scheme === undefined || authority === undefined ? undefined : normalizeOrigin(`${scheme}://${authority}`)
}

/**
 * Whether an unsafe request comes from this origin (or an allowed one).
 *
 * `Sec-Fetch-Site` first: the browser computes it and scripts cannot set it,
 * so it is the stronger signal. `same-origin` and `none` (typed in the address
 * bar, a bookmark) pass; `same-site` and `cross-site` pass only from an allowed
 * origin. Without it (older browsers, non-browser clients), `Origin` is
 * compared with the request's own origin. Without either, the policy decides.
 */
export const checkOrigin = (policy: Policy, facts: Facts): Reason | undefined => {
  if (isSafe(facts.method)) return undefined
  const origin = facts.header("origin")
  const normalized = origin === undefined ? undefined : originHeader(origin)
  const site = facts.header("sec-fetch-site")
  if (site !== undefined) {
    if (site === "same-origin" || site === "none") return undefined
    return normalized !== undefined && policy.allowed.has(normalized) ? undefined : "cross-origin"
  }
  if (origin === undefined) return policy.missingOrigin === "allow" ? undefined : "missing-origin"
  // `Origin: null` (sandboxed frames, some redirects), garbage and anything
  // more than an origin are foreign.
  if (normalized === undefined) return "cross-origin"
  if (policy.allowed.has(normalized)) return undefined
  return normalized === ownOrigin(policy, facts) ? undefined : "cross-origin"
}

const SECRET_BYTES = 32
const NONCE_BYTES = 16
const MAC_BYTES = 32
/** Domain separation: this key signs CSRF tokens and nothing else. */
const LABEL = new TextEncoder().encode("effect-iron-session/csrf-token\0")
/**
 * Tokens bound to a login session have a label of their own, so a token of
 * the secret alone never passes where a session-bound one is wanted (nor the
 * reverse), whatever the session. Encoded on first use, not at import.
 */
let boundLabel: Uint8Array | undefined
const sessionLabel = (): Uint8Array => {
  boundLabel ??= new TextEncoder().encode("effect-iron-session/csrf-token/session\0")
  return boundLabel
}

/**
 * What a token is bound to besides its secret: `undefined` for the secret
 * alone, else the login session's id, none when signed out.
 */
export type Binding = Option.Option<string> | undefined

/** A new per-session secret: 32 random bytes from Web Crypto, base64url. */
export const newSecret = (): string => Encoding.encodeBase64Url(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)))

/**
 * The bytes a token's MAC covers: `label ‖ nonce` for the secret alone;
 * `label ‖ nonce ‖ 0x00` signed out and `label ‖ nonce ‖ 0x01 ‖ id` signed in
 * for a token bound to a session. The nonce has a fixed length and the marker
 * byte says whether an id follows, so no two bindings share their bytes (an
 * id of "" is not "signed out").
 */
const message = (nonce: Uint8Array, binding: Binding): Uint8Array<ArrayBuffer> => {
  if (binding === undefined) {
    const data = new Uint8Array(LABEL.length + nonce.length)
    data.set(LABEL)
    data.set(nonce, LABEL.length)
    return data
  }
  const label = sessionLabel()
  const id = Option.isSome(binding) ? new TextEncoder().encode(binding.value) : undefined
  const data = new Uint8Array(label.length + nonce.length + 1 + (id?.length ?? 0))
  data.set(label)
  data.set(nonce, label.length)
  data[label.length + nonce.length] = id === undefined ? 0 : 1
  if (id !== undefined) data.set(id, label.length + nonce.length + 1)
  return data
}

const mac = (secret: Uint8Array, nonce: Uint8Array, binding: Binding): Effect.Effect<Uint8Array> =>
  Effect.promise(async () => {
    // A copy on a plain ArrayBuffer: what Web Crypto's types ask for.
    const key = await crypto.subtle.importKey(
      "raw",
      Uint8Array.from(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    )
    return new Uint8Array(await crypto.subtle.sign("HMAC", key, message(nonce, binding)))
  })

const secretBytes = (secret: string): Uint8Array | undefined => {
  const decoded = Encoding.decodeBase64Url(secret)
  return Either.isRight(decoded) && decoded.right.length === SECRET_BYTES ? decoded.right : undefined
}

/**
 * A token for a secret (and a binding): `base64url(nonce ‖ HMAC(secret, message))`,
 * the message as {@link message} builds it. The random nonce makes every token
 * different, so a page's tokens cannot be recovered byte by byte through
 * response compression (BREACH); every one of them is valid for the secret
 * and binding. The token does not carry the session id: the verifier reads it
 * from the session, so a token cannot name the session it claims.
 */
export const issue = (secret: string, binding: Binding = undefined): Effect.Effect<string> =>
  Effect.suspend(() => {
    const key = secretBytes(secret)
    if (key === undefined) return Effect.die(new Error("a CSRF secret is not 32 bytes of base64url"))
    const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES))
    return Effect.map(mac(key, nonce, binding), (signature) => {
      const token = new Uint8Array(NONCE_BYTES + MAC_BYTES)
      token.set(nonce)
      token.set(signature, NONCE_BYTES)
      return Encoding.encodeBase64Url(token)
    })
  })

/** Compares without an early exit, so the time taken says nothing about where two MACs differ. */
const constantTimeEqual = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  let difference = 0
  for (let index = 0; index < a.length; index++) difference |= (a[index] ?? 0) ^ (b[index] ?? 0)
  return difference === 0
}

/** Whether a token was issued for this secret and this binding. */
export const verify = (secret: string, token: string, binding: Binding = undefined): Effect.Effect<boolean> =>
  Effect.suspend(() => {
    const key = secretBytes(secret)
    const decoded = Encoding.decodeBase64Url(token)
    if (key === undefined || Either.isLeft(decoded) || decoded.right.length !== NONCE_BYTES + MAC_BYTES) {
      return Effect.succeed(false)
    }
    const nonce = decoded.right.subarray(0, NONCE_BYTES)
    const given = decoded.right.subarray(NONCE_BYTES)
    return Effect.map(mac(key, nonce, binding), (expected) => constantTimeEqual(expected, given))
  })
