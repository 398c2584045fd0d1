/**
 * How the Node backend finds node:crypto, and how it draws its randomness.
 * The backend is chosen once, when its module loads, by trying
 * `process.getBuiltinModule`: each test loads a fresh copy of the module under
 * the runtime it describes.
 */
import { createRequire } from "node:module"
import { afterEach, describe, expect, it, vi } from "@effect/vitest"
import type { IronCrypto } from "../../src/internal/kernel/crypto/types.js"

const password = "a-password-that-is-at-least-32-characters-long"
const nodeCryptoModule = createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto")
const realGetBuiltinModule = process.getBuiltinModule

/** The Node backend as a fresh load of its module sees the runtime now. */
const loadNodeBackend = async (): Promise<IronCrypto | undefined> => {
  vi.resetModules()
  return (await import("../../src/internal/kernel/crypto/node.js")).nodeCrypto
}

/** A runtime whose `process.getBuiltinModule` is `replacement` while `f` loads the backend. */
const under = async (replacement: unknown) => {
  const process = globalThis.process as { getBuiltinModule?: unknown }
  process.getBuiltinModule = replacement
  try {
    return await loadNodeBackend()
  } finally {
    process.getBuiltinModule = realGetBuiltinModule
  }
}

afterEach(() => {
  vi.restoreAllMocks()
  vi.resetModules()
})

describe("finding node:crypto", () => {
  it("uses node:crypto where process.getBuiltinModule gives it", async () => {
    expect((await under(realGetBuiltinModule))?.name).toBe("node")
  })

  it("has no Node backend where getBuiltinModule exists but throws, as in a Next.js edge route", async () => {
    expect(
      await under(() => {
        throw new Error("A Node.js API is used (process.getBuiltinModule) which is not supported in the Edge Runtime.")
      }),
    ).toBeUndefined()
  })

  it("has no Node backend where the runtime has no getBuiltinModule (Node before 20.16)", async () => {
    expect(await under(undefined)).toBeUndefined()
  })

  it("has no Node backend where the runtime gives node:buffer but not node:crypto, or the other way round", async () => {
    for (const missing of ["node:crypto", "node:buffer"]) {
      const partial = (id: string) => (id === missing ? undefined : realGetBuiltinModule(id as "node:crypto"))
      expect(await under(partial)).toBeUndefined()
    }
  })

  it("has no Node backend where node:crypto lacks the synchronous PBKDF2 (a partial polyfill)", async () => {
    const polyfill = (id: string) =>
      id === "node:crypto" ? { ...nodeCryptoModule, pbkdf2Sync: undefined } : realGetBuiltinModule(id as "node:buffer")
    expect(await under(polyfill)).toBeUndefined()
  })
})

describe("the Node backend's randomness", () => {
  it("draws 8192 bytes at a time from the CSPRNG, the first on the first seal, and uses each byte once", async () => {
    const randomBytes = vi.spyOn(nodeCryptoModule, "randomBytes")
    const backend = (await loadNodeBackend())!
    expect(randomBytes).not.toHaveBeenCalled()
    const seals: Array<string> = []
    // 80 bytes a seal (two 32-byte salts and a 16-byte IV): 102 seals fit in one block, the 103rd needs another.
    for (let i = 0; i < 102; i++) seals.push(backend.seal("{}", "1", password, "") as string)
    expect(randomBytes.mock.calls).toEqual([[8192]])
    seals.push(backend.seal("{}", "1", password, "") as string)
    expect(randomBytes.mock.calls).toEqual([[8192], [8192]])
    const random = seals.flatMap((seal) => {
      const [, , encryptionSalt, iv, , , hmacSalt] = seal.split("*")
      return [encryptionSalt, iv, hmacSalt]
    })
    expect(new Set(random).size).toBe(random.length)
  })
})

describe("the seal's random parts, on both backends", () => {
  /** 80 bytes 0, 1, …, 79: two 32-byte salts and a 16-byte IV, in that order. */
  const counting = () => Uint8Array.from({ length: 80 }, (_, i) => i)
  const hex = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => (from + i).toString(16).padStart(2, "0")).join("")

  const expectParts = async (backend: IronCrypto) => {
    const sealed = await backend.seal('{"a":1}', "1", password, "")
    const [, , encryptionSalt, iv, , , hmacSalt] = sealed.split("*")
    // Each byte as two hex digits, 0x00 to 0x0f included: iron's salts are 64 characters.
    expect(encryptionSalt).toBe(hex(0, 32))
    expect(hmacSalt).toBe(hex(32, 64))
    expect(iv).toBe(Buffer.from(counting().subarray(64)).toString("base64url"))
  }

  it("on node:crypto, are the salts as hex and the IV as base64url, from the 80 random bytes in order", async () => {
    vi.spyOn(nodeCryptoModule, "randomBytes").mockImplementation(((size: number) => {
      const block = Buffer.alloc(size)
      block.set(counting())
      return block
    }) as never)
    await expectParts((await loadNodeBackend())!)
  })

  it("on Web Crypto, are the salts as hex and the IV as base64url, from the 80 random bytes in order", async () => {
    vi.spyOn(globalThis.crypto, "getRandomValues").mockImplementation(((array: Uint8Array) => {
      array.set(counting())
      return array
    }) as never)
    vi.resetModules()
    await expectParts((await import("../../src/internal/kernel/crypto/web.js")).webCrypto)
  })
})

describe("the Web Crypto backend's imported passwords", () => {
  it("keeps the keys of 16 passwords, dropping the oldest for a 17th", async () => {
    vi.resetModules()
    const { webCrypto } = await import("../../src/internal/kernel/crypto/web.js")
    const importKey = vi.spyOn(globalThis.crypto.subtle, "importKey")
    const passwords = Array.from({ length: 17 }, (_, i) => `${password}-${i}`)
    for (const secret of passwords.slice(0, 16)) await webCrypto.seal("{}", "1", secret, "")
    expect(importKey).toHaveBeenCalledTimes(16)
    for (const secret of passwords.slice(0, 16)) await webCrypto.seal("{}", "1", secret, "")
    expect(importKey).toHaveBeenCalledTimes(16)
    await webCrypto.seal("{}", "1", passwords[16]!, "")
    await webCrypto.seal("{}", "1", passwords[1]!, "")
    expect(importKey).toHaveBeenCalledTimes(17)
    await webCrypto.seal("{}", "1", passwords[0]!, "")
    expect(importKey).toHaveBeenCalledTimes(18)
  })
})
