import { fromBase64Url, toBase64Url } from "../base64url.js"
import { type IronCrypto, IV_BYTES, MAC_PREFIX, OpenFailure, SALT_BYTES } from "./types.js"

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

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"))

const hex = (bytes: Uint8Array): string => {
  let out = ""
  for (const byte of bytes) out += HEX[byte]
  return out
}

/** `crypto.subtle`, looked up when first used: some runtimes set it up after the module loads. */
const subtle = (): SubtleCrypto => globalThis.crypto.subtle

/**
 * Each password's PBKDF2 key, imported once. iron derives two keys per seal
 * from the password and a fresh salt; importing the password for every
 * derivation (as iron-webcrypto does) is one more round trip per key. Few
 * passwords are ever in use, so a small map is enough; its oldest entry goes
 * when it is full.
 */
const passwordKeys = new Map<string, Promise<CryptoKey>>()
const MAX_PASSWORD_KEYS = 16

const passwordKey = (secret: string): Promise<CryptoKey> => {
  let key = passwordKeys.get(secret)
  if (key === undefined) {
    key = subtle().importKey("raw", encoder.encode(secret), "PBKDF2", false, ["deriveKey"])
    if (passwordKeys.size >= MAX_PASSWORD_KEYS) passwordKeys.delete(passwordKeys.keys().next().value as string)
    passwordKeys.set(secret, key)
  }
  return key
}

const AES: AesDerivedKeyParams = { name: "AES-CBC", length: 256 }
const HMAC: HmacImportParams = { name: "HMAC", hash: "SHA-256", length: 256 }

/** iron's key: PBKDF2-SHA1 of the password and a salt (the salt's text), one iteration, 32 bytes. */
const derive = async (secret: string, salt: string, as: "encrypt" | "mac"): Promise<CryptoKey> =>
  subtle().deriveKey(
    { name: "PBKDF2", hash: "SHA-1", salt: encoder.encode(salt), iterations: 1 },
    await passwordKey(secret),
    as === "encrypt" ? AES : HMAC,
    false,
    as === "encrypt" ? ["encrypt", "decrypt"] : ["sign"],
  )

const sign = async (key: CryptoKey, text: string): Promise<string> =>
  toBase64Url(new Uint8Array(await subtle().sign("HMAC", key, encoder.encode(text))))

/**
 * The portable backend: the Fe26.2 protocol on Web Crypto (`crypto.subtle`),
 * for runtimes without `node:crypto` (edge runtimes, Workers without Node.js
 * compatibility, browsers). Byte for byte the seals of iron-webcrypto, which
 * iron-session uses; written here rather than taken from it so that each
 * password is imported once and the two key derivations of a seal run at the
 * same time.
 *
 * Where a runtime runs Web Crypto off the JavaScript thread (Node schedules
 * each step on its thread pool), every step waited for costs a round trip; a
 * seal waits for three (the encryption key, the encryption, the MAC), an
 * unseal for three (both keys at once, the MAC, the decryption), against
 * iron-webcrypto's four each. The decryption waits for the MAC on purpose:
 * running it beside the MAC would make how long a forged seal takes depend on
 * whether its padding decrypts, the start of a padding oracle.
 */
export const webCrypto: IronCrypto = {
  name: "webcrypto",
  seal: async (text, passwordId, secret, expiration) => {
    const random = globalThis.crypto.getRandomValues(new Uint8Array(SALT_BYTES * 2 + IV_BYTES))
    const encryptionSalt = hex(random.subarray(0, SALT_BYTES))
    const hmacSalt = hex(random.subarray(SALT_BYTES, SALT_BYTES * 2))
    const iv = random.subarray(SALT_BYTES * 2)
    const macKey = derive(secret, hmacSalt, "mac")
    // Settled whatever happens next, so that a failed encryption never leaves it rejected unobserved.
    macKey.catch(() => undefined)
    const encrypted = await subtle().encrypt(
      { name: "AES-CBC", iv },
      await derive(secret, encryptionSalt, "encrypt"),
      encoder.encode(text),
    )
    const macBase = `${MAC_PREFIX}*${passwordId}*${encryptionSalt}*${toBase64Url(iv)}*${toBase64Url(new Uint8Array(encrypted))}*${expiration}`
    return `${macBase}*${hmacSalt}*${await sign(await macKey, macBase)}`
  },
  open: async (seal, secret) => {
    const encryptKey = derive(secret, seal.encryptionSalt, "encrypt")
    encryptKey.catch(() => undefined)
    const digest = await sign(await derive(secret, seal.hmacSalt, "mac"), seal.macBase)
    if (!digestsEqual(digest, seal.hmacDigest)) throw new OpenFailure("integrity")
    try {
      const plain = await subtle().decrypt(
        { name: "AES-CBC", iv: fromBase64Url(seal.iv) },
        await encryptKey,
        fromBase64Url(seal.encrypted),
      )
      return decoder.decode(plain)
    } catch {
      throw new OpenFailure("undecryptable")
    }
  },
}
