/**
 * 4. The Effect API in an `@effect/platform` app: `HttpApp.toWebHandlerLayer`
 * of a tiny app doing `Visits.get` + `Visits.set` through
 * `HttpSession.middleware`, against the same app without sessions. Their
 * difference, round by round, is what sessions add to a request; it is set
 * against the floor's read+save measured in the same rounds.
 */
import { middlewareApps } from "./apps.js"
import { heading, printResults, type Report, type Settings, times, us } from "./common.js"
import { checkRequest, floorRequest } from "./crosscheck.js"
import { webRequest } from "./fixtures.js"
import { cookiePool } from "./floor.js"
import { type BenchCase, paired, runBenchmarks, spreadOf, timeRatio } from "./harness.js"
import { describeSource, loadApi } from "./lib.js"

export const run = async (settings: Settings, report: Report): Promise<void> => {
  heading("4. Effect API through HttpSession.middleware (HttpApp.toWebHandlerLayer)", [
    `library: ${describeSource()}`,
    `each call: new Request with one of ${settings.pool} distinct cookies; both apps served by toWebHandlerLayer over the same layer`,
  ])
  const apps = middlewareApps(await loadApi())
  const problems = await checkRequest({
    name: "HttpSession.middleware app",
    readSave: (request) => apps.session(request),
  })
  const bareResponse = await apps.bare(webRequest("theme=dark"))
  if ((await bareResponse.text()) !== "18") problems.push("the app without sessions did not answer 18")
  if (problems.length > 0) throw new Error(`cross-check failed, nothing was timed:\n  - ${problems.join("\n  - ")}`)
  console.log(
    "cross-check: ok (the app reads a floor cookie and writes iron-session's Set-Cookie, which the floor opens)",
  )

  const names = {
    session: "app with HttpSession.middleware (get + set)",
    bare: "the same app without sessions",
    floor: "floor read+save (web objects)",
  }
  const nextSession = cookiePool(settings.pool)
  const nextBare = cookiePool(settings.pool)
  const nextFloor = cookiePool(settings.pool)
  const cases: BenchCase[] = [
    { name: names.session, fn: () => apps.session(webRequest(nextSession())) },
    { name: names.bare, fn: () => apps.bare(webRequest(nextBare())) },
    { name: names.floor, fn: () => floorRequest.readSave(webRequest(nextFloor()), new Response()) },
  ]
  const results = await runBenchmarks(cases, settings.micro, (line) => console.log(line))
  await apps.dispose()
  const [session, bare, floor] = [names.session, names.bare, names.floor].map((n) => results.find((r) => r.name === n)!)
  console.log("")
  printResults(results, [{ label: "× floor's time", of: (r) => timeRatio(r, floor!) }])

  const added = paired(session!.roundUs, bare!.roundUs, (s, b) => s - b)
  const addedOverFloor = spreadOf(session!.roundUs.map((s, i) => (s - bare!.roundUs[i]!) / floor!.roundUs[i]!))
  console.log(
    `added by sessions: ${us(added.median)} per request (rounds ${us(added.min)} to ${us(added.max)}); ${times(addedOverFloor)} the floor's read+save`,
  )
  report.ratio(
    "middleware: added cost vs floor read+save (time)",
    addedOverFloor,
    "<=",
    2,
    `+${us(added.median)} vs ${us(floor!.us.median)}`,
  )
}
