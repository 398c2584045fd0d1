/**
 * The one seam between the iron protocol and a runtime's crypto, in the manner
 * of jose: everything above it (parsing, passwords, expiry, JSON) is the same
 * on every runtime; below it sit Web Crypto (`crypto.subtle`, portable)
 * and `node:crypto` (the same protocol, synchronous and much faster on Node).
 *
 * @internal
 */

/** A seal split into its eight `*`-separated parts; already checked for shape. */
export interface ParsedSeal {
  /** The seal without the `~2` marker. */
  readonly raw: string
  readonly passwordId: string
  readonly encryptionSalt: string
  readonly iv: string
  readonly encrypted: string
  readonly expiration: string
  readonly hmacSalt: string
  readonly hmacDigest: string
  /** The first six parts joined: what the HMAC covers. */
  readonly macBase: string
}

/** Why a backend could not open a seal. */
export class OpenFailure {
  constructor(readonly reason: "integrity" | "undecryptable") {}
}

export interface IronCrypto {
  readonly name: "node" | "webcrypto"
  /**
   * Encrypts `text` and MACs the result under `secret`, stamping `passwordId`
   * and `expiration` (milliseconds since the epoch, or "" for none). Returns
   * the seal without the `~2` marker.
   */
  readonly seal: (text: string, passwordId: string, secret: string, expiration: string) => string | Promise<string>
  /** Verifies and decrypts; fails with an {@link OpenFailure}. */
  readonly open: (seal: ParsedSeal, secret: string) => string | Promise<string>
}

/** iron's fixed parameters (Fe26.2 defaults: PBKDF2-SHA1 with 1 iteration, 256-bit salts). */
export const MAC_PREFIX = "Fe26.2"
export const SALT_BYTES = 32
export const IV_BYTES = 16
export const KEY_BYTES = 32
