/**
 * How the Node backend finds node:crypto, and how it draws its randomness.
 * The backend is chosen once, when its module loads, by trying
 * `process.getBuiltinModule`: each test loads a fresh copy of the module under
 * the runtime it describes.
 */
import { createRequire } from "node:module"
import { afterEach, describe, expect, it, vi } from "@effect/vitest"
import type { IronCrypto } from "../../src/internal/crypto/types.js"

const password = "a-password-that-is-at-least-32-characters-long"
const nodeCryptoModule = createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto")
const realGetBuiltinModule = process.getBuiltinModule

/** The Node backend as a fresh load of its module sees the runtime now. */
const loadNodeBackend = async (): Promise<IronCrypto | undefined> => {
  vi.resetModules()
  return (await import("../../src/internal/crypto/node.js")).nodeCrypto
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
