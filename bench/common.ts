/**
 * Settings, targets and printing shared by the sections.
 */
import { execFileSync } from "node:child_process"
import * as os from "node:os"
import { parseArgs } from "node:util"
import type { BenchOptions, BenchResult, Spread } from "./harness.js"

export const SECTIONS = [
  "seal",
  "request",
  "hot",
  "middleware",
  "load",
  "cold",
  "bundle",
  "memory",
  "lifecycle",
] as const
export type SectionName = (typeof SECTIONS)[number]

export interface Settings {
  readonly quick: boolean
  /** The in-process sections (seal, request, hot, middleware). */
  readonly micro: BenchOptions
  /** Distinct pre-sealed cookies cycled through by every "distinct cookies" case. */
  readonly pool: number
  readonly load: {
    readonly seconds: number
    readonly warmupSeconds: number
    readonly rounds: number
    readonly connections: number
  }
  readonly cold: { readonly runs: number }
  readonly memory: { readonly requests: number; readonly warmup: number }
}

/** The command line. The orchestrator hands its settings to the section children (`BENCH_SETTINGS`). */
export const parseCommandLine = (argv: ReadonlyArray<string> = process.argv.slice(2)) => {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      only: { type: "string" },
      quick: { type: "boolean", default: false },
      source: { type: "string", default: "dist" },
      build: { type: "boolean", default: false },
      "no-build": { type: "boolean", default: false },
      strict: { type: "boolean", default: false },
      json: { type: "string" },
      section: { type: "string" },
      time: { type: "string" },
      warmup: { type: "string" },
      rounds: { type: "string" },
      batch: { type: "string" },
      pool: { type: "string" },
      duration: { type: "string" },
      "load-rounds": { type: "string" },
      connections: { type: "string" },
      runs: { type: "string" },
      requests: { type: "string" },
    },
  })
  if (values.source !== "dist" && values.source !== "src") throw new Error(`--source must be dist or src`)
  const only =
    values.only === undefined ? [...SECTIONS] : values.only.split(",").map((s) => s.trim().replace(/^bench:/, ""))
  for (const name of only) {
    if (!(SECTIONS as ReadonlyArray<string>).includes(name) && name !== "workerd") {
      throw new Error(`--only: unknown section ${JSON.stringify(name)}; the sections are ${SECTIONS.join(", ")}`)
    }
  }
  const number = (name: string, value: string | undefined, fallback: number): number => {
    if (value === undefined) return fallback
    const n = Number(value)
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${value}`)
    return n
  }
  const q = values.quick
  const settings: Settings = {
    quick: q,
    micro: {
      warmupMs: number("warmup", values.warmup, q ? 100 : 300),
      timeMs: number("time", values.time, q ? 360 : 1200),
      rounds: Math.round(number("rounds", values.rounds, q ? 6 : 12)),
      batchMs: number("batch", values.batch, q ? 3 : 5),
    },
    pool: Math.round(number("pool", values.pool, 4096)),
    load: {
      seconds: number("duration", values.duration, q ? 2 : 6),
      warmupSeconds: q ? 0.5 : 1,
      rounds: Math.round(number("load-rounds", values["load-rounds"], q ? 1 : 2)),
      connections: Math.round(number("connections", values.connections, 50)),
    },
    cold: { runs: Math.round(number("runs", values.runs, q ? 6 : 20)) },
    memory: { requests: Math.round(number("requests", values.requests, q ? 10_000 : 100_000)), warmup: 1000 },
  }
  return {
    settings,
    only,
    source: values.source as "dist" | "src",
    build: values.build ? "always" : values["no-build"] ? "never" : "if-stale",
    strict: values.strict,
    json: values.json,
    section: values.section,
  } as const
}

// ---------------------------------------------------------------------------
// Targets

export type Status = "PASS" | "MISS" | "INFO" | "ERROR"

/** One line of the final summary. */
export interface Target {
  readonly section: string
  readonly name: string
  /** The goal, as printed: `≥ 1.5×`, `≤ 50 kB`. */
  readonly goal: string
  /** The measured figures behind it: `312 µs vs 520 µs`. */
  readonly measured: string
  /** The figure compared to the goal, as printed: `1.67× (1.41–1.80)`. */
  readonly value: string
  readonly status: Status
  readonly note?: string | undefined
}

/**
 * Judges a measured figure against a bound, on its median. When its round
 * range crosses the bound the verdict is noted as not settled by this run.
 */
export const judge = (
  value: Spread,
  op: ">=" | "<=",
  bound: number,
): { readonly status: Status; readonly note?: string } => {
  const pass = op === ">=" ? value.median >= bound : value.median <= bound
  const straddles = value.min < bound && value.max > bound
  return { status: pass ? "PASS" : "MISS", ...(straddles ? { note: "range crosses the bound" } : {}) }
}

/** Collects a section's targets and sends them to the orchestrator (or prints them when run alone). */
export class Report {
  readonly targets: Target[] = []
  constructor(readonly section: SectionName) {}

  add(target: Omit<Target, "section">): void {
    this.targets.push({ section: this.section, ...target })
  }

  /** A target on a ratio (`×`), judged on its median. */
  ratio(name: string, ratio: Spread, op: ">=" | "<=", bound: number, measured: string): void {
    this.add({
      name,
      goal: `${op === ">=" ? "≥" : "≤"} ${bound}×`,
      measured,
      value: times(ratio),
      ...judge(ratio, op, bound),
    })
  }

  /** A figure worth seeing in the summary that has no target. */
  info(name: string, measured: string, value = ""): void {
    this.add({ name, goal: "—", measured, value, status: "INFO" })
  }

  /** Hands the targets over: to the orchestrator over IPC, or to the console. */
  finish(): void {
    if (process.send !== undefined) process.send({ type: "targets", targets: this.targets })
    else printSummary(this.targets)
  }
}

// ---------------------------------------------------------------------------
// Printing

export const int = (n: number): string => Math.round(n).toLocaleString("en-US")

/** A duration in µs, to about three significant figures. */
export const us = (x: number): string =>
  x >= 10_000 ? `${(x / 1000).toFixed(1)} ms` : `${x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2)} µs`

export const ms = (x: number): string => `${x.toFixed(x >= 100 ? 0 : 1)} ms`

const fixed = (x: number): string => x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2)

/** `1.67× (1.41–1.80)`: a ratio's median and round range. */
export const times = (r: Spread): string => `${fixed(r.median)}× (${fixed(r.min)}–${fixed(r.max)})`

/** `52.1 µs (48.0–61.3)`: a case's median µs per call and round range. */
export const usSpread = (r: Spread): string => `${us(r.median)} (${fixed(r.min)}–${fixed(r.max)})`

export const kB = (bytes: number): string => `${(bytes / 1000).toFixed(1)} kB`

/** Prints rows as a Markdown table, right-aligning the columns marked numeric. */
export const printTable = (rows: ReadonlyArray<ReadonlyArray<string>>, numeric: ReadonlyArray<boolean> = []): void => {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((cells) => (cells[col] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    `| ${cells.map((cell, col) => (numeric[col] ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!))).join(" | ")} |`
  console.log(line(rows[0]!))
  console.log(`|${widths.map((w, col) => (numeric[col] ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`)
  for (const cells of rows.slice(1)) console.log(line(cells))
}

/** The micro-benchmark table: one row per case, with its ratio to one or two references. */
export const printResults = (
  results: ReadonlyArray<BenchResult>,
  references: ReadonlyArray<{ readonly label: string; readonly of: (r: BenchResult) => Spread | undefined }>,
): void => {
  const rows = [["case", "µs/call, median (round min–max)", "calls/s", ...references.map((r) => r.label)]]
  for (const r of results) {
    rows.push([
      r.name,
      usSpread(r.us),
      int(r.opsPerSec),
      ...references.map((ref) => {
        const ratio = ref.of(r)
        return ratio === undefined ? "" : times(ratio)
      }),
    ])
  }
  printTable(rows, [false, true, true, ...references.map(() => true)])
}

/** The machine's load now, as `uptime` prints it. */
export const loadLine = (): string => {
  try {
    return execFileSync("uptime", { encoding: "utf8", timeout: 2000 }).trim()
  } catch {
    const [a, b, c] = os.loadavg().map((n) => n.toFixed(2))
    return `load average: ${a}, ${b}, ${c}`
  }
}

/** A section's heading: its title, what it measures, and the load before it starts. */
export const heading = (title: string, lines: ReadonlyArray<string> = []): void => {
  console.log("")
  console.log(`## ${title}`)
  console.log(`load: ${loadLine()}`)
  for (const line of lines) console.log(line)
}

export const printSummary = (targets: ReadonlyArray<Target>): void => {
  console.log("")
  console.log("## Summary")
  console.log(`load: ${loadLine()}`)
  if (targets.length === 0) {
    console.log("(no targets)")
    return
  }
  printTable(
    [
      ["section", "target", "goal", "measured", "value (round range)", "status"],
      ...targets.map((t) => [
        t.section,
        t.name,
        t.goal,
        t.measured,
        t.value,
        t.note === undefined ? t.status : `${t.status} (${t.note})`,
      ]),
    ],
    [false, false, false, false, true, false],
  )
  const count = (s: Status) => targets.filter((t) => t.status === s).length
  console.log(
    `\n${count("PASS")} PASS, ${count("MISS")} MISS, ${count("ERROR")} ERROR (${count("INFO")} figures without a target)`,
  )
}

export const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))
