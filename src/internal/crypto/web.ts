import * as Encoding from "effect/Encoding"
import * as Iron from "iron-webcrypto"
import { type IronCrypto, OpenFailure } from "./types.js"

/**
 * Compares the digest as text, in time that does not depend on where the two
 * differ. As text, not as decoded bytes: base64 decoders ignore the spare bits
 * of the last character, so a decoded comparison accepts several spellings of
 * one digest, and a changed character would still open the seal.
 */
export const digestsEqual = (expected: string, given: string): boolean => {
  if (expected.length !== given.length) return false
  let diff = 0
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ given.charCodeAt(i)
  return diff === 0
}

/**
 * The portable backend: Web Crypto through iron-webcrypto. Runs wherever
 * `crypto.subtle` exists (edge runtimes, Workers, Deno, Bun, browsers, Node).
 *
 * Both directions are assembled from iron-webcrypto's primitives (`encrypt`,
 * `decrypt`, `hmacWithPassword`) rather than its `seal`/`unseal`: those read
 * `Date.now()` themselves, where the expiration must follow Effect's `Clock` to
 * the millisecond, and its `unseal` compares the digest after decoding it.
 */
export const webCrypto: IronCrypto = {
  name: "webcrypto",
  seal: async (text, passwordId, secret, expiration) => {
    const { encrypted, key } = await Iron.encrypt(secret, Iron.defaults.encryption, text)
    const macBase = `${Iron.macPrefix}*${passwordId}*${key.salt}*${Encoding.encodeBase64Url(key.iv)}*${Encoding.encodeBase64Url(encrypted)}*${expiration}`
    const mac = await Iron.hmacWithPassword(secret, Iron.defaults.integrity, macBase)
    return `${macBase}*${mac.salt}*${mac.digest}`
  },
  open: async (seal, secret) => {
    const mac = await Iron.hmacWithPassword(secret, { ...Iron.defaults.integrity, salt: seal.hmacSalt }, seal.macBase)
    if (!digestsEqual(mac.digest, seal.hmacDigest)) throw new OpenFailure("integrity")
    const iv = Encoding.decodeBase64Url(seal.iv)
    const encrypted = Encoding.decodeBase64Url(seal.encrypted)
    if (iv._tag === "Left" || encrypted._tag === "Left") throw new OpenFailure("undecryptable")
    try {
      return await Iron.decrypt(
        secret,
        { ...Iron.defaults.encryption, salt: seal.encryptionSalt, iv: new Uint8Array(iv.right) },
        encrypted.right,
      )
    } catch {
      throw new OpenFailure("undecryptable")
    }
  },
}
