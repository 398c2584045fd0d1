/**
 * 1. Seal / unseal, side by side: effect-iron-session's configured sealer on
 * both backends and the facade's sealData/unsealData, iron-session 9,
 * @hapi/iron 7 and the floor. Unseal cases open distinct seals from a pool
 * (made by the floor, which the cross-check shows every implementation opens),
 * so no call reopens the previous call's seal.
 */
import * as HapiIron from "@hapi/iron"
import * as Effect from "effect/Effect"
import { heading, printResults, type Report, type Settings } from "./common.js"
import { checkSeals, floorSealer, ironSessionSealer, type Sealer, withoutMarker } from "./crosscheck.js"
import { PASSWORD, PAYLOAD, TTL_MS, TTL_SECONDS } from "./fixtures.js"
import { sealFloor } from "./floor.js"
import { type BenchCase, runBenchmarks, timeRatio } from "./harness.js"
import { describeSource, loadApi, loadFacade } from "./lib.js"

const HAPI_OPTIONS: HapiIron.SealOptions = { ...HapiIron.defaults, ttl: TTL_MS }

export const run = async (settings: Settings, report: Report): Promise<void> => {
  heading("1. Seal / unseal", [
    `library: ${describeSource()}`,
    `payload: ${JSON.stringify(PAYLOAD).length} bytes of JSON, 14-day ttl, ${PASSWORD.length}-character password; unseal from ${settings.pool} distinct seals`,
  ])
  const { Seal } = await loadApi()
  const facade = await loadFacade()

  const configured = (backend: NonNullable<(typeof Seal.backends)["node"]>): Sealer => {
    const service = Effect.runSync(
      Seal.make({ password: PASSWORD, ttl: "14 days" }).pipe(Effect.provideService(Seal.CryptoBackend, backend)),
    )
    return {
      name: `Seal.make (${backend.name})`,
      seal: (data) => Effect.runPromise(service.seal(data)),
      unseal: (sealed) => Effect.runPromise(service.unseal(sealed)),
    }
  }
  const node = Seal.backends.node
  if (node === undefined) throw new Error("Seal.backends.node is undefined: the node backend cannot be measured here")
  const nodeSealer = configured(node)
  const webSealer = configured(Seal.backends.webcrypto)
  const facadeSealer: Sealer = {
    name: "promise sealData/unsealData",
    seal: (data) => facade.sealData(data, { password: PASSWORD, ttl: TTL_SECONDS }),
    unseal: (sealed) => facade.unsealData(sealed, { password: PASSWORD, ttl: TTL_SECONDS }),
  }
  const hapiSealer: Sealer = {
    name: "@hapi/iron",
    marker: false,
    seal: (data) => HapiIron.seal(data, { id: "1", secret: PASSWORD }, HAPI_OPTIONS),
    unseal: (sealed) => HapiIron.unseal(withoutMarker(sealed), { 1: PASSWORD }, HAPI_OPTIONS),
  }
  const sealers = [nodeSealer, webSealer, facadeSealer, ironSessionSealer, hapiSealer, floorSealer]

  const problems = await checkSeals(sealers)
  if (problems.length > 0) throw new Error(`cross-check failed, nothing was timed:\n  - ${problems.join("\n  - ")}`)
  console.log(
    `cross-check: ok (${sealers.length}×${sealers.length} pairs: each seal opens to the payload everywhere, tampered seals refused)`,
  )

  const pool = Array.from({ length: settings.pool }, () => sealFloor(PAYLOAD))
  const hapiPool = pool.map(withoutMarker)
  const cycle = (seals: ReadonlyArray<string>) => {
    let next = 0
    return () => seals[next++ % seals.length]!
  }
  const cases: BenchCase[] = [
    ...sealers.map((s) => ({ name: `seal: ${s.name}`, fn: () => s.seal(PAYLOAD) })),
    ...sealers.map((s) => {
      const nextSeal = cycle(s === hapiSealer ? hapiPool : pool)
      // @hapi/iron's unseal is given seals already without the marker, so it is not charged for stripping it.
      const open =
        s === hapiSealer ? (sealed: string) => HapiIron.unseal(sealed, { 1: PASSWORD }, HAPI_OPTIONS) : s.unseal
      return { name: `unseal: ${s.name}`, fn: () => open(nextSeal()) }
    }),
  ]
  const results = await runBenchmarks(cases, settings.micro, (line) => console.log(line))
  const byName = (name: string) => results.find((r) => r.name === name)!

  for (const op of ["seal", "unseal"] as const) {
    console.log("")
    const iron = byName(`${op}: iron-session`)
    const floor = byName(`${op}: ${floorSealer.name}`)
    printResults(
      results.filter((r) => r.name.startsWith(`${op}:`)),
      [
        { label: "× faster than iron-session", of: (r) => timeRatio(iron, r) },
        { label: "× floor's time", of: (r) => timeRatio(r, floor) },
      ],
    )
  }
  console.log("Ratios are taken round by round (median, min–max); µs/call is the median of the round means.")

  for (const op of ["seal", "unseal"] as const) {
    const iron = byName(`${op}: iron-session`)
    const web = byName(`${op}: ${webSealer.name}`)
    report.ratio(
      `Web Crypto backend ${op} vs iron-session (speed-up)`,
      timeRatio(iron, web),
      ">=",
      1.5,
      `${web.us.median.toFixed(0)} µs vs ${iron.us.median.toFixed(0)} µs`,
    )
  }
  for (const op of ["seal", "unseal"] as const) {
    const iron = byName(`${op}: iron-session`)
    const nodeResult = byName(`${op}: ${nodeSealer.name}`)
    const floor = byName(`${op}: ${floorSealer.name}`)
    report.info(
      `node backend ${op}: speed-up on iron-session; time vs floor`,
      `${nodeResult.us.median.toFixed(1)} µs; floor ${floor.us.median.toFixed(1)} µs`,
      `${timeRatio(iron, nodeResult).median.toFixed(1)}×; ${timeRatio(nodeResult, floor).median.toFixed(2)}× floor`,
    )
  }
}
