import { describe, expect, it } from "vitest"
import { checkFloor } from "../bench/crosscheck.js"

// The benchmark's floor (bench/floor.ts) is the same Fe26.2 work and the same
// request written directly on node:crypto; every "× floor" ratio of
// `npm run bench` assumes it is byte-compatible with iron-session. This keeps it so.
describe("the benchmark floor", () => {
  it("opens iron-session's seals and cookies, and iron-session opens and reads the floor's", async () => {
    expect(await checkFloor()).toEqual([])
  })
})
