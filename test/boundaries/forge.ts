/**
 * Seals made by hand on node:crypto with iron's exact algorithm (Fe26.2:
 * PBKDF2-SHA1 with 1 iteration and 32-byte keys, the salts' hex text as salt,
 * AES-256-CBC, HMAC-SHA256, base64url), so that a seal can be wrong in one
 * way only while its MAC is valid: the check under test is then the only thing
 * standing between the seal and its data.
 */
import { createCipheriv, createHmac, pbkdf2Sync, randomBytes } from "node:crypto"

export interface Forgery {
  readonly password: string
  /** Default `"1"`. */
  readonly passwordId?: string
  /** What is encrypted; default `{"a":1}`. */
  readonly plaintext?: string | Buffer
  /** Encrypt without PKCS#7 padding (the plaintext must then be whole 16-byte blocks). */
  readonly noPadding?: boolean
  /** The encrypted part's text, instead of the encryption of `plaintext`. */
  readonly encrypted?: string
  /** The IV bytes; default 16 random bytes. */
  readonly ivBytes?: Buffer
  /** The IV part's text, instead of the base64url of `ivBytes`. */
  readonly iv?: string
  /** Default 64 random hex digits. */
  readonly encryptionSalt?: string
  /** Default 64 random hex digits. */
  readonly hmacSalt?: string
  /** Default `""` (no expiry). */
  readonly expiration?: string
  /** Default `"Fe26.2"`. */
  readonly prefix?: string
  /** Appended after the digest; default `"~2"`. */
  readonly suffix?: string
  /** Parts added after the eight (a ninth part, say); they are covered by no MAC. */
  readonly extraParts?: ReadonlyArray<string>
  /** Replaces the valid digest. */
  readonly digest?: (valid: string) => string
}

const key = (password: string, salt: string) => pbkdf2Sync(password, salt, 1, 32, "sha1")

export const encrypt = (password: string, salt: string, iv: Buffer, plaintext: string | Buffer, padding = true) => {
  const cipher = createCipheriv("aes-256-cbc", key(password, salt), iv)
  cipher.setAutoPadding(padding)
  return Buffer.concat([cipher.update(plaintext), cipher.final()])
}

/** The MAC iron puts in part 8: HMAC-SHA256 under the key of `hmacSalt`, base64url. */
export const mac = (password: string, hmacSalt: string, macBase: string) =>
  createHmac("sha256", key(password, hmacSalt)).update(macBase).digest("base64url")

export const forge = (f: Forgery): string => {
  const encryptionSalt = f.encryptionSalt ?? randomBytes(32).toString("hex")
  const hmacSalt = f.hmacSalt ?? randomBytes(32).toString("hex")
  const ivBytes = f.ivBytes ?? randomBytes(16)
  const encrypted =
    f.encrypted ??
    encrypt(f.password, encryptionSalt, ivBytes, f.plaintext ?? '{"a":1}', f.noPadding !== true).toString("base64url")
  const macBase = [
    f.prefix ?? "Fe26.2",
    f.passwordId ?? "1",
    encryptionSalt,
    f.iv ?? ivBytes.toString("base64url"),
    encrypted,
    f.expiration ?? "",
  ].join("*")
  const valid = mac(f.password, hmacSalt, macBase)
  const tail = (f.extraParts ?? []).map((part) => `*${part}`).join("")
  return `${macBase}*${hmacSalt}*${f.digest === undefined ? valid : f.digest(valid)}${tail}${f.suffix ?? "~2"}`
}

/** 16 bytes whose last byte is 0: never valid PKCS#7 padding, so decrypting them with padding always fails. */
export const BAD_PADDING_BLOCK = Buffer.concat([Buffer.from("0123456789abcde"), Buffer.from([0])])
