import { type IronCrypto, IV_BYTES, KEY_BYTES, MAC_PREFIX, OpenFailure, SALT_BYTES } from "./types.js"

/**
 * Only types come from `node:` here: the portable core carries no `node:`
 * import, so bundlers for edge runtimes never see one, and this file simply
 * yields `undefined` where Node's crypto is absent.
 */
type NodeCryptoModule = typeof import("node:crypto")
type NodeBufferModule = typeof import("node:buffer")

const getBuiltin = (id: string): unknown => {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  try {
    return process?.getBuiltinModule?.(id)
  } catch {
    return undefined
  }
}

/**
 * The Node backend: the same Fe26.2 protocol on `node:crypto`'s synchronous
 * primitives. Web Crypto in Node schedules every step (two PBKDF2 derivations,
 * AES, HMAC) as a job on the thread pool; with iron's single PBKDF2 iteration
 * each step takes microseconds, so the scheduling is most of the cost, and
 * doing the steps inline is an order of magnitude faster.
 *
 * Found through `process.getBuiltinModule` (Node 20.16+, Bun, Deno), so the
 * module loads everywhere and is `undefined` where Node's crypto is absent.
 */
const make = (): IronCrypto | undefined => {
  const crypto = getBuiltin("node:crypto") as NodeCryptoModule | undefined
  const buffer = getBuiltin("node:buffer") as NodeBufferModule | undefined
  if (crypto?.pbkdf2Sync === undefined || buffer?.Buffer === undefined) return undefined
  const { Buffer } = buffer
  const derive = (secret: string, salt: string) => crypto.pbkdf2Sync(secret, salt, 1, KEY_BYTES, "sha1")

  // Each seal takes 80 random bytes (two salts and an IV). Asking the CSPRNG
  // for 80 bytes at a time costs a call into it per seal; taking them from a
  // larger block of its output, refilled when used up, costs a slice. Every
  // byte is used once. The first block is drawn on the first seal, not at
  // load: Workers refuse random numbers at global scope.
  const POOL = 8192
  const SEAL_RANDOM = SALT_BYTES * 2 + IV_BYTES
  let pool = Buffer.alloc(0)
  let offset = POOL
  const random = () => {
    if (offset + SEAL_RANDOM > POOL) {
      pool = crypto.randomBytes(POOL)
      offset = 0
    }
    const out = pool.subarray(offset, offset + SEAL_RANDOM)
    offset += SEAL_RANDOM
    return out
  }

  return {
    name: "node",
    seal: (text, passwordId, secret, expiration) => {
      const bytes = random()
      const encryptionSalt = bytes.subarray(0, SALT_BYTES).toString("hex")
      const hmacSalt = bytes.subarray(SALT_BYTES, SALT_BYTES * 2).toString("hex")
      const iv = bytes.subarray(SALT_BYTES * 2)
      const cipher = crypto.createCipheriv("aes-256-cbc", derive(secret, encryptionSalt), iv)
      const encrypted = Buffer.concat([cipher.update(text, "utf8"), cipher.final()])
      const macBase = `${MAC_PREFIX}*${passwordId}*${encryptionSalt}*${iv.toString("base64url")}*${encrypted.toString("base64url")}*${expiration}`
      const digest = crypto.createHmac("sha256", derive(secret, hmacSalt)).update(macBase).digest()
      return `${macBase}*${hmacSalt}*${digest.toString("base64url")}`
    },
    open: (seal, secret) => {
      // Compared as text for the reason given at `digestsEqual` in web.ts.
      const expected = Buffer.from(
        crypto.createHmac("sha256", derive(secret, seal.hmacSalt)).update(seal.macBase).digest("base64url"),
      )
      const given = Buffer.from(seal.hmacDigest)
      if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
        throw new OpenFailure("integrity")
      }
      try {
        const decipher = crypto.createDecipheriv(
          "aes-256-cbc",
          derive(secret, seal.encryptionSalt),
          Buffer.from(seal.iv, "base64url"),
        )
        return Buffer.concat([decipher.update(Buffer.from(seal.encrypted, "base64url")), decipher.final()]).toString(
          "utf8",
        )
      } catch {
        throw new OpenFailure("undecryptable")
      }
    },
  }
}

export const nodeCrypto: IronCrypto | undefined = make()
