/**
 * 2. A whole request on web `Request`/`Response` objects, built per call as a
 * server builds them: the facade, the Effect API, iron-session and the floor,
 * (a) reading the session, (b) reading, changing and saving it. Every call
 * carries a different cookie from a pool of pre-sealed ones, so a cache of
 * recently opened cookies cannot serve the read.
 */
import { effectRequest, facadeRequest } from "./apps.js"
import { heading, printResults, type Report, type Settings, us } from "./common.js"
import { checkRequest, floorRequest, ironSessionRequest, type RequestImplementation } from "./crosscheck.js"
import { webRequest } from "./fixtures.js"
import { cookiePool } from "./floor.js"
import { type BenchCase, runBenchmarks, timeRatio } from "./harness.js"
import { describeSource, loadApi, loadFacade } from "./lib.js"

export const run = async (settings: Settings, report: Report): Promise<void> => {
  heading("2. A whole request: facade vs iron-session vs floor", [
    `library: ${describeSource()}`,
    `each call: new Request (Cookie: theme, session, lang) + new Response; ${settings.pool} distinct cookies, cycled`,
  ])
  const facade = facadeRequest(await loadFacade())
  const effect = await effectRequest(await loadApi())
  const impls: RequestImplementation[] = [facade, effect, ironSessionRequest, floorRequest]

  const problems = (await Promise.all(impls.map(checkRequest))).flat()
  if (problems.length > 0) throw new Error(`cross-check failed, nothing was timed:\n  - ${problems.join("\n  - ")}`)
  console.log(
    "cross-check: ok (each reads a floor cookie; each read+save writes iron-session's Set-Cookie, which the floor opens)",
  )

  const cases: BenchCase[] = []
  for (const impl of impls) {
    const next = cookiePool(settings.pool)
    cases.push({ name: `read: ${impl.name}`, fn: () => impl.read!(webRequest(next()), new Response()) })
  }
  for (const impl of impls) {
    const next = cookiePool(settings.pool)
    cases.push({ name: `read+save: ${impl.name}`, fn: () => impl.readSave(webRequest(next()), new Response()) })
  }
  const results = await runBenchmarks(cases, settings.micro, (line) => console.log(line))
  const byName = (name: string) => results.find((r) => r.name === name)!

  for (const op of ["read", "read+save"] as const) {
    console.log("")
    const iron = byName(`${op}: ${ironSessionRequest.name}`)
    const floor = byName(`${op}: ${floorRequest.name}`)
    printResults(
      results.filter((r) => r.name.startsWith(`${op}:`)),
      [
        { label: "× floor's time", of: (r) => timeRatio(r, floor) },
        { label: "× faster than iron-session", of: (r) => timeRatio(iron, r) },
      ],
    )
  }

  for (const op of ["read", "read+save"] as const) {
    const ours = byName(`${op}: ${facade.name}`)
    const floor = byName(`${op}: ${floorRequest.name}`)
    const ratio = timeRatio(ours, floor)
    report.ratio(`facade ${op} vs floor (time)`, ratio, "<=", 2, `${us(ours.us.median)} vs ${us(floor.us.median)}`)
    if (ratio.median < 0.8) {
      console.log(
        `WARNING: the facade's ${op} is faster than the floor's: a cache is likely serving the pool of ${settings.pool} cookies. Run with a larger --pool.`,
      )
    }
  }
  for (const op of ["read", "read+save"] as const) {
    const ours = byName(`${op}: ${facade.name}`)
    const iron = byName(`${op}: ${ironSessionRequest.name}`)
    report.info(
      `facade ${op}: speed-up on iron-session`,
      `${us(ours.us.median)} vs ${us(iron.us.median)}`,
      `${timeRatio(iron, ours).median.toFixed(1)}×`,
    )
  }
}
