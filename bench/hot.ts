/**
 * 3. A hot cookie: the same cookie read on every call (a user clicking
 * around), through the facade and the Effect API, against iron-session
 * reading it the same way. A new Request carries it each time; only the value
 * repeats. The facade reading distinct cookies is printed alongside, so what
 * any cache of opened cookies buys is visible.
 */
import { effectRequest, facadeRequest } from "./apps.js"
import { heading, printResults, type Report, type Settings, us } from "./common.js"
import { checkRequest, ironSessionRequest } from "./crosscheck.js"
import { cookieHeader, PAYLOAD, webRequest } from "./fixtures.js"
import { cookiePool, sealFloor } from "./floor.js"
import { type BenchCase, runBenchmarks, timeRatio } from "./harness.js"
import { describeSource, loadApi, loadFacade } from "./lib.js"

export const run = async (settings: Settings, report: Report): Promise<void> => {
  heading("3. Hot cookie: the same cookie read again and again", [`library: ${describeSource()}`])
  const facade = facadeRequest(await loadFacade())
  const effect = await effectRequest(await loadApi())
  const impls = [facade, effect, ironSessionRequest]
  const problems = (await Promise.all(impls.map(checkRequest))).flat()
  if (problems.length > 0) throw new Error(`cross-check failed, nothing was timed:\n  - ${problems.join("\n  - ")}`)
  console.log("cross-check: ok (each reads a floor cookie and writes iron-session's Set-Cookie, which the floor opens)")

  const hot = cookieHeader(sealFloor(PAYLOAD))
  const next = cookiePool(settings.pool)
  const cases: BenchCase[] = [
    ...impls.map((impl) => ({ name: `hot read: ${impl.name}`, fn: () => impl.read!(webRequest(hot), new Response()) })),
    {
      name: `distinct read: ${facade.name}`,
      fn: () => facade.read!(webRequest(next()), new Response()),
    },
  ]
  const results = await runBenchmarks(cases, settings.micro, (line) => console.log(line))
  const byName = (name: string) => results.find((r) => r.name === name)!
  const iron = byName(`hot read: ${ironSessionRequest.name}`)
  const distinct = byName(`distinct read: ${facade.name}`)
  console.log("")
  printResults(results, [
    { label: "× faster than iron-session (hot)", of: (r) => timeRatio(iron, r) },
    { label: "× faster than facade (distinct)", of: (r) => timeRatio(distinct, r) },
  ])

  for (const impl of [facade, effect]) {
    const ours = byName(`hot read: ${impl.name}`)
    report.ratio(
      `${impl === facade ? "facade" : "Effect API"} hot read vs iron-session (speed-up)`,
      timeRatio(iron, ours),
      ">=",
      30,
      `${us(ours.us.median)} vs ${us(iron.us.median)}`,
    )
  }
}
