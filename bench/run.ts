/**
 * Side-by-side benchmark of seal and unseal: effect-iron-session (node:crypto
 * and Web Crypto backends, with a pre-checked keyring and with a plain string
 * password) against iron-session 9 and @hapi/iron 7, in one process, with the
 * cases interleaved.
 *
 *   npm run bench                       # or: npx tsx bench/run.ts
 *   npm run bench -- --time=2000 --warmup=1000 --rounds=20
 *
 * Not a test: vitest only runs test/**\/*.test.ts.
 */
import { readFileSync } from "node:fs"
import * as os from "node:os"
import { isDeepStrictEqual, parseArgs } from "node:util"
import { type BenchCase, type BenchResult, runBenchmarks } from "./harness.js"
import { type Implementation, makeImplementations, PASSWORD, PAYLOAD, TTL_DAYS, TTL_MS } from "./implementations.js"

const { values: args } = parseArgs({
  options: {
    time: { type: "string", default: "1000" },
    warmup: { type: "string", default: "500" },
    rounds: { type: "string", default: "10" },
    batch: { type: "string", default: "5" },
  },
})
const positive = (name: string, value: string): number => {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${value}`)
  return n
}
const options = {
  timeMs: positive("time", args.time),
  warmupMs: positive("warmup", args.warmup),
  rounds: Math.round(positive("rounds", args.rounds)),
  batchMs: positive("batch", args.batch),
}

const BASELINE = "iron-session"
const OPERATIONS = ["seal", "unseal"] as const
type Operation = (typeof OPERATIONS)[number]

const version = (pkg: string): string => {
  try {
    const json = readFileSync(new URL(`../node_modules/${pkg}/package.json`, import.meta.url), "utf8")
    return (JSON.parse(json) as { version: string }).version
  } catch {
    return "?"
  }
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

const withoutMarker = (sealed: string): string => {
  const tilde = sealed.indexOf("~")
  return tilde === -1 ? sealed : sealed.slice(0, tilde)
}

/**
 * Before any timing: every implementation's seal opens to the same payload
 * with every implementation's unseal, carries a 14-day expiration, and a
 * tampered seal is refused by all. Aborts on the first run with any failure.
 */
const crossCheck = async (impls: ReadonlyArray<Implementation>): Promise<void> => {
  const failures: string[] = []
  let pairs = 0
  for (const sealer of impls) {
    let sealed: string
    const before = Date.now()
    try {
      sealed = await sealer.seal(PAYLOAD)
    } catch (e) {
      failures.push(`${sealer.name} failed to seal: ${message(e)}`)
      continue
    }
    const parts = withoutMarker(sealed).split("*")
    if (parts.length !== 8 || parts[0] !== "Fe26.2" || parts[1] !== "1") {
      failures.push(`${sealer.name} made a seal that is not Fe26.2 with password id 1: ${sealed.slice(0, 40)}…`)
    }
    const expiration = Number(parts[5])
    if (!(expiration >= before + TTL_MS && expiration <= Date.now() + TTL_MS)) {
      failures.push(`${sealer.name} sealed with expiration ${parts[5]}, not now + ${TTL_DAYS} days`)
    }
    const encrypted = parts[4] ?? ""
    const tampered = [...parts.slice(0, 4), (encrypted[0] === "A" ? "B" : "A") + encrypted.slice(1), ...parts.slice(5)]
      .join("*")
      .concat(sealed.slice(withoutMarker(sealed).length))
    for (const opener of impls) {
      pairs++
      try {
        const data = await opener.unseal(sealed)
        if (!isDeepStrictEqual(data, PAYLOAD)) {
          failures.push(`${opener.name} opened the seal of ${sealer.name} as ${JSON.stringify(data)}`)
        }
      } catch (e) {
        failures.push(`${opener.name} could not open the seal of ${sealer.name}: ${message(e)}`)
      }
      const refused = await opener.unseal(tampered).then(
        (data) => !isDeepStrictEqual(data, PAYLOAD),
        () => true,
      )
      if (!refused) failures.push(`${opener.name} opened a tampered seal of ${sealer.name}`)
    }
  }
  if (failures.length > 0) {
    console.error(`\nCross-check FAILED (${failures.length} problem(s)); nothing was timed:`)
    for (const failure of failures) console.error(`  - ${failure}`)
    process.exit(1)
  }
  console.log(
    `cross-check: ok (${impls.length}×${impls.length} = ${pairs} seal/unseal pairs, each seal opens to the payload, tampered seals refused)`,
  )
}

/** Seals opened in the unseal cases: distinct seals, cycled, each made by the implementation opening it. */
const POOL_SIZE = 64

const main = async () => {
  const cpus = os.cpus()
  console.log("effect-iron-session benchmark: seal / unseal, side by side")
  console.log(`date:     ${new Date().toISOString()}`)
  console.log(`node:     ${process.version} (V8 ${process.versions.v8}), ${os.platform()} ${os.arch()}`)
  console.log(`cpu:      ${cpus[0]?.model.trim() ?? "unknown"} × ${cpus.length}`)
  console.log(
    `load avg: ${os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(" ")} (1/5/15 min, before the run)`,
  )
  console.log(
    `peers:    iron-session ${version("iron-session")}, @hapi/iron ${version("@hapi/iron")}, iron-webcrypto ${version("iron-webcrypto")}, effect ${version("effect")}`,
  )
  console.log(`library:  ${import.meta.resolve("effect-iron-session/Seal")}`)
  console.log(
    `payload:  ${JSON.stringify(PAYLOAD)} (${JSON.stringify(PAYLOAD).length} bytes JSON), ttl ${TTL_DAYS} days, ${PASSWORD.length}-char password`,
  )
  console.log(
    `timing:   ${options.warmupMs} ms warm-up then ${options.timeMs} ms per case, in ${options.rounds} interleaved rounds; sequential awaited calls (checks: plain loop)`,
  )

  const impls = makeImplementations()
  await crossCheck(impls)

  type Case = BenchCase & { readonly operation: Operation | "check"; readonly label: string }
  const cases: Case[] = []
  for (const impl of impls) {
    cases.push({ operation: "seal", label: impl.name, name: `seal ${impl.name}`, fn: () => impl.seal(PAYLOAD) })
  }
  for (const impl of impls) {
    const pool: string[] = []
    for (let i = 0; i < POOL_SIZE; i++) pool.push(await impl.seal(PAYLOAD))
    let next = 0
    cases.push({
      operation: "unseal",
      label: impl.name,
      name: `unseal ${impl.name}`,
      fn: () => impl.unseal(pool[next++ % POOL_SIZE]!),
    })
  }

  console.log("")
  const results = await runBenchmarks(cases, options, (line) => console.log(line))
  const resultOf = (operation: Case["operation"], label: string): BenchResult => {
    const index = cases.findIndex((c) => c.operation === operation && c.label === label)
    return results[index]!
  }

  const ratio = (r: number) => `${r.toFixed(r >= 10 ? 1 : 2)}×`
  const rows: string[][] = [["op", "implementation", "ops/sec", "µs/op", "±", `vs ${BASELINE}`]]
  const row = (operation: Case["operation"], label: string, vs: string) => {
    const r = resultOf(operation, label)
    rows.push([
      operation,
      label,
      Math.round(r.opsPerSec).toLocaleString("en-US"),
      r.meanUs.toFixed(r.meanUs < 10 ? 3 : 2),
      Number.isNaN(r.rmePercent) ? "n/a" : `${r.rmePercent.toFixed(1)}%`,
      vs,
    ])
  }
  for (const operation of OPERATIONS) {
    const baseline = resultOf(operation, BASELINE)
    for (const impl of impls) {
      const r = resultOf(operation, impl.name)
      row(
        operation,
        impl.name,
        impl.baseline ? "1.00× (baseline)" : `${ratio(r.opsPerSec / baseline.opsPerSec)} ${BASELINE}`,
      )
    }
  }

  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((cells) => cells[col]!.length)))
  const numeric = [false, false, true, true, true, false]
  const line = (cells: string[]) =>
    `| ${cells.map((cell, col) => (numeric[col] ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!))).join(" | ")} |`
  console.log("")
  console.log(line(rows[0]!))
  console.log(`|${widths.map((w, col) => (numeric[col] ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`)
  for (const cells of rows.slice(1)) console.log(line(cells))
  console.log("")
  console.log(
    `± is the 95% margin of error of the mean, from the spread of the ${options.rounds} round means. Ratios are ops/sec over iron-session's for the same operation.`,
  )
  console.log("")

  const costs: string[] = []
  for (const backend of ["node", "webcrypto"]) {
    for (const operation of OPERATIONS) {
      const checked = resultOf(operation, `effect-iron-session (${backend}, configured)`)
      const plain = resultOf(operation, `effect-iron-session (${backend}, one-off)`)
      const diff = plain.meanUs - checked.meanUs
      const noise = Math.hypot(plain.meanUs * plain.rmePercent, checked.meanUs * checked.rmePercent) / 100
      const within = Math.abs(diff) <= noise ? ", within noise" : ""
      costs.push(`${backend} ${operation} ${diff >= 0 ? "+" : ""}${diff.toFixed(2)} µs (±${noise.toFixed(2)}${within})`)
    }
  }
  console.log(`options checked per call (one-off − configured, µs/op): ${costs.join(", ")}`)
  console.log("")
  for (const operation of OPERATIONS) {
    const baseline = resultOf(operation, BASELINE)
    for (const impl of impls) {
      if (impl.baseline) continue
      const r = resultOf(operation, impl.name).opsPerSec / baseline.opsPerSec
      const verdict = r >= 1 ? `${ratio(r)} faster than` : `${ratio(1 / r)} slower than`
      console.log(`${operation}: ${impl.name} ${verdict} ${BASELINE}`)
    }
  }
}

await main()
