/**
 * "Code written for iron-session 9 compiles unchanged against the facade."
 *
 * The real check is `tsc` (run by `npm test` over test/): it compiles
 * test/types/usage.iron-session.ts against iron-session's own types and
 * test/types/usage.facade.ts, the same code importing the facade, against
 * ours. This file keeps the two from drifting apart, and pins the type
 * relationships between the two modules with `expectTypeOf` (checked by `tsc`
 * too; at run time those calls do nothing).
 */
import { readFileSync } from "node:fs"
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import type * as facade from "effect-iron-session/promise"
import type * as iron from "iron-session"
import type { NextApiRequest, NextApiResponse } from "next"
import type { cookies } from "next/headers.js"
import type { NextRequest, NextResponse } from "next/server.js"

const ironSpecifier = `from "iron-session"`
const facadeSpecifier = `from "effect-iron-session/promise"`

const read = (name: string) => readFileSync(new URL(`./types/${name}`, import.meta.url), "utf8")

const occurrences = (text: string, search: string) => text.split(search).length - 1

describe("the iron-session usage file and its facade copy", () => {
  const original = read("usage.iron-session.ts")
  const copy = read("usage.facade.ts")

  it("starts with the one import from iron-session", () => {
    expect(original).toMatch(/^import \{[^}]+\} from "iron-session"\n/)
    expect(occurrences(original, ironSpecifier)).toBe(1)
    expect(occurrences(original, `"iron-session`)).toBe(1)
    expect(original).not.toContain(`from "effect-iron-session`)
  })

  it("is the same file byte for byte, apart from the module it imports", () => {
    expect(occurrences(copy, facadeSpecifier)).toBe(1)
    expect(copy).not.toContain(`from "iron-session`)
    expect(copy).toBe(original.replace(ironSpecifier, facadeSpecifier))
  })
})

type Data = { a: number; b?: string }

/** The signatures of a function with two overloads, in order. */
type Overloads<F> = F extends {
  (...args: infer A1): infer R1
  (...args: infer A2): infer R2
}
  ? [(...args: A1) => R1, (...args: A2) => R2]
  : never

type FacadeGet = Overloads<typeof facade.getIronSession<Data>>
type IronGet = Overloads<typeof iron.getIronSession<Data>>

describe("the facade's types against iron-session's", () => {
  it("exports every value iron-session exports", () => {
    expectTypeOf<keyof typeof iron>().toEqualTypeOf<
      "getIronSession" | "nextProxyCookies" | "nodeCookies" | "sealData" | "unsealData" | "webCookies"
    >()
    expectTypeOf<keyof typeof iron>().toExtend<keyof typeof facade>()
  })

  it("both getIronSession have the two overloads", () => {
    expectTypeOf<FacadeGet>().not.toBeNever()
    expectTypeOf<IronGet>().not.toBeNever()
    expectTypeOf<Parameters<FacadeGet[0]>>().toEqualTypeOf<
      [cookies: facade.CookieStore | facade.CookieJar, sessionOptions: facade.SessionOptions]
    >()
    expectTypeOf<Parameters<FacadeGet[1]>[2]>().toEqualTypeOf<facade.SessionOptions>()
  })

  it("IronSession<T> is assignable both ways", () => {
    expectTypeOf<facade.IronSession<{ a: number }>>().toExtend<iron.IronSession<{ a: number }>>()
    expectTypeOf<iron.IronSession<{ a: number }>>().toExtend<facade.IronSession<{ a: number }>>()
    expectTypeOf<facade.IronSession<Data>>().toExtend<iron.IronSession<Data>>()
    expectTypeOf<iron.IronSession<Data>>().toExtend<facade.IronSession<Data>>()
    expectTypeOf<facade.IronSession<Data>>().toEqualTypeOf<iron.IronSession<Data>>()
  })

  it("IronSession<T> has the same members", () => {
    expectTypeOf<facade.IronSession<Data>["a"]>().toEqualTypeOf<iron.IronSession<Data>["a"]>()
    expectTypeOf<facade.IronSession<Data>["a"]>().toEqualTypeOf<number | undefined>()
    expectTypeOf<facade.IronSession<Data>["save"]>().toEqualTypeOf<iron.IronSession<Data>["save"]>()
    expectTypeOf<facade.IronSession<Data>["destroy"]>().toEqualTypeOf<iron.IronSession<Data>["destroy"]>()
    expectTypeOf<Parameters<facade.IronSession<Data>["updateConfig"]>>().toExtend<
      Parameters<iron.IronSession<Data>["updateConfig"]>
    >()
    expectTypeOf<Parameters<iron.IronSession<Data>["updateConfig"]>>().toExtend<
      Parameters<facade.IronSession<Data>["updateConfig"]>
    >()
  })

  it("SessionOptions is assignable both ways", () => {
    expectTypeOf<facade.SessionOptions>().toExtend<iron.SessionOptions>()
    expectTypeOf<iron.SessionOptions>().toExtend<facade.SessionOptions>()
    expectTypeOf<facade.SessionOptions>().toEqualTypeOf<iron.SessionOptions>()
    expectTypeOf<NonNullable<facade.SessionOptions["cookieOptions"]>>().toEqualTypeOf<
      NonNullable<iron.SessionOptions["cookieOptions"]>
    >()
    expectTypeOf<facade.SessionOptions["password"]>().toEqualTypeOf<iron.SessionOptions["password"]>()
    expectTypeOf<facade.SessionOptions["onUnsealError"]>().toEqualTypeOf<iron.SessionOptions["onUnsealError"]>()
  })

  it("CookieJar and CookieStore are assignable both ways", () => {
    expectTypeOf<facade.CookieJar>().toExtend<iron.CookieJar>()
    expectTypeOf<iron.CookieJar>().toExtend<facade.CookieJar>()
    expectTypeOf<facade.CookieJar>().toEqualTypeOf<iron.CookieJar>()
    expectTypeOf<facade.CookieStore>().toExtend<iron.CookieStore>()
    expectTypeOf<iron.CookieStore>().toExtend<facade.CookieStore>()
    expectTypeOf<facade.CookieStore>().toEqualTypeOf<iron.CookieStore>()
  })

  it("UnsealErrorReason is the same union", () => {
    expectTypeOf<facade.UnsealErrorReason>().toEqualTypeOf<iron.UnsealErrorReason>()
    expectTypeOf<facade.UnsealErrorReason>().toEqualTypeOf<"expired" | "invalid" | "unknown-password">()
  })

  it("getIronSession returns the same type from both overloads", () => {
    expectTypeOf<ReturnType<typeof facade.getIronSession<Data>>>().toEqualTypeOf<
      ReturnType<typeof iron.getIronSession<Data>>
    >()
    expectTypeOf<ReturnType<FacadeGet[0]>>().toEqualTypeOf<ReturnType<IronGet[0]>>()
    expectTypeOf<ReturnType<FacadeGet[1]>>().toEqualTypeOf<ReturnType<IronGet[1]>>()
    expectTypeOf<ReturnType<FacadeGet[1]>>().toEqualTypeOf<Promise<iron.IronSession<Data>>>()
  })

  it("getIronSession accepts whatever iron-session's accepts", () => {
    expectTypeOf<Parameters<FacadeGet[0]>>().toEqualTypeOf<Parameters<IronGet[0]>>()
    expectTypeOf<Parameters<IronGet[1]>>().toExtend<Parameters<FacadeGet[1]>>()
    expectTypeOf<Parameters<FacadeGet[1]>>().toEqualTypeOf<Parameters<IronGet[1]>>()
    expectTypeOf<typeof facade.getIronSession>().toExtend<typeof iron.getIronSession>()
    expectTypeOf<Awaited<ReturnType<typeof cookies>>>().toExtend<Parameters<FacadeGet[0]>[0]>()
    expectTypeOf<[NextApiRequest, NextApiResponse, facade.SessionOptions]>().toExtend<Parameters<FacadeGet[1]>>()
    expectTypeOf<[NextRequest, NextResponse, facade.SessionOptions]>().toExtend<Parameters<FacadeGet[1]>>()
  })

  it("sealData and unsealData<T> have the same signatures", () => {
    expectTypeOf<ReturnType<typeof facade.sealData>>().toEqualTypeOf<ReturnType<typeof iron.sealData>>()
    expectTypeOf<ReturnType<typeof facade.sealData>>().toEqualTypeOf<Promise<string>>()
    expectTypeOf<Parameters<typeof facade.sealData>>().toEqualTypeOf<Parameters<typeof iron.sealData>>()
    expectTypeOf<ReturnType<typeof facade.unsealData<Data>>>().toEqualTypeOf<ReturnType<typeof iron.unsealData<Data>>>()
    expectTypeOf<ReturnType<typeof facade.unsealData<Data>>>().toEqualTypeOf<Promise<Data>>()
    expectTypeOf<Parameters<typeof facade.unsealData<Data>>>().toEqualTypeOf<Parameters<typeof iron.unsealData<Data>>>()
    expectTypeOf<typeof facade.sealData>().toExtend<typeof iron.sealData>()
    expectTypeOf<typeof facade.unsealData>().toExtend<typeof iron.unsealData>()
  })

  it("the adapters take the same arguments and return a CookieJar", () => {
    expectTypeOf<ReturnType<typeof facade.nodeCookies>>().toEqualTypeOf<ReturnType<typeof iron.nodeCookies>>()
    expectTypeOf<ReturnType<typeof facade.webCookies>>().toEqualTypeOf<ReturnType<typeof iron.webCookies>>()
    expectTypeOf<ReturnType<typeof facade.nextProxyCookies>>().toEqualTypeOf<ReturnType<typeof iron.nextProxyCookies>>()
    expectTypeOf<Parameters<typeof iron.nodeCookies>>().toExtend<Parameters<typeof facade.nodeCookies>>()
    expectTypeOf<Parameters<typeof facade.nodeCookies>>().toEqualTypeOf<Parameters<typeof iron.nodeCookies>>()
    expectTypeOf<Parameters<typeof facade.webCookies>>().toEqualTypeOf<Parameters<typeof iron.webCookies>>()
    expectTypeOf<Parameters<typeof facade.nextProxyCookies>>().toEqualTypeOf<Parameters<typeof iron.nextProxyCookies>>()
    expectTypeOf<typeof facade.nodeCookies>().toExtend<typeof iron.nodeCookies>()
    expectTypeOf<typeof facade.webCookies>().toExtend<typeof iron.webCookies>()
    expectTypeOf<typeof facade.nextProxyCookies>().toExtend<typeof iron.nextProxyCookies>()
  })
})
