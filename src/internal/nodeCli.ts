/**
 * The command-line tool, `npx effect-iron-session`: `inspect` answers "why
 * was I signed out?" for one cookie, `password` makes a new password.
 *
 * Node only (it reads files and parses arguments with `node:fs` and
 * `node:util`), hence its name: nothing of the portable code imports it.
 * Built on the kernel alone, like the Promise facade: it opens a seal exactly
 * as the library does (the same `openSealed`, the same chunk reading, the
 * same messages), so what it says about a cookie is what the app would have
 * decided. Everything a run touches comes in through {@link Io} (the
 * environment, stdin, the clock, the two output streams), so the tests run it
 * in-process; `src/cli.ts` only hands it `process`'s.
 *
 * The password never comes from an argument, and never goes out: no message
 * holds it, and neither a seal nor the session data is printed unless asked
 * for (`--show-data`).
 *
 * @internal
 */
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"
import { toBase64Url } from "./kernel/base64url.js"
import * as Cookie from "./kernel/cookie.js"
import { nodeCrypto } from "./kernel/crypto/node.js"
import { type IronCrypto, MAC_PREFIX } from "./kernel/crypto/types.js"
import { webCrypto } from "./kernel/crypto/web.js"
import { type BadSealReason, isTagged, type KernelError, messages } from "./kernel/errors.js"
import * as iron from "./kernel/iron.js"
import { parseJson } from "./kernel/json.js"
import { MAX_CHUNKS, readSeal } from "./kernel/session.js"

/** What a run reads and writes, passed in so that a test can give its own. */
export interface Io {
  readonly env: Readonly<Record<string, string | undefined>>
  /** All of stdin, or `undefined` when there is none to read (a terminal). Called only when no cookie is given as an argument. */
  readonly stdin: () => string | undefined | Promise<string | undefined>
  /** The time, in milliseconds since the epoch. */
  readonly now: number
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
}

/** Exit codes: the seal opens, it does not, the command was used wrongly. */
export const EXIT_OPENS = 0
export const EXIT_REFUSED = 1
export const EXIT_USAGE = 2

const DEFAULT_PASSWORD_ENV = "SESSION_PASSWORD"
/** iron-session's default ttl, in its unit (seconds). */
const DEFAULT_TTL_SECONDS = iron.DEFAULT_TTL_MS / 1000

export const USAGE = `Usage:
  effect-iron-session inspect [cookie] [options]
  effect-iron-session password

inspect  Says whether a session cookie opens, and if not, why.
  cookie                 One cookie value, or a whole Cookie header ("Cookie: " optional,
                         chunks name.0, name.1, … are joined). Read from stdin when absent.
  --name <cookieName>    Which cookie of the header is the session (needed when it holds several).
  --password-env <NAME>  The environment variable holding the password (default ${DEFAULT_PASSWORD_ENV}).
  --password-file <path> A file holding the password, or a JSON keyring { "1": "…", "2": "…" }.
  --ttl <seconds>        The app's ttl, to estimate when the seal was made (default ${DEFAULT_TTL_SECONDS}, 14 days).
  --purpose <purpose>    Open the seal as a token bound to this purpose (Seal.make({ purpose })).
  --show-data            Print the session data too (it is hidden otherwise).
  --json                 Print one JSON object instead of text.
  Exit code: 0 when the seal opens, 1 when it does not, 2 for wrong usage.

password  Prints a new random password (32 random bytes, base64url) and nothing else.

The password is never taken as an argument: your shell would keep it in its history.
`

class UsageError extends Error {}

const usage = (message: string): never => {
  throw new UsageError(message)
}

/** Runs the tool with `argv` (the arguments after `node cli.js`), and gives the exit code. */
export const main = async (argv: ReadonlyArray<string>, io: Io): Promise<number> => {
  const json = argv.includes("--json")
  try {
    const [command, ...rest] = argv
    if (command === undefined || command === "--help" || command === "-h" || command === "help") {
      if (command === undefined) {
        io.stderr(USAGE)
        return EXIT_USAGE
      }
      io.stdout(USAGE)
      return EXIT_OPENS
    }
    if (command === "password") {
      if (rest.length > 0) usage("`password` takes no arguments.")
      io.stdout(`${newPassword()}\n`)
      return EXIT_OPENS
    }
    if (command === "inspect") return await inspectCommand(rest, io, json)
    return usage(`Unknown command ${JSON.stringify(command)}: use \`inspect\` or \`password\`.`)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    if (json) io.stdout(`${JSON.stringify({ opens: false, reason: "usage", message: error.message })}\n`)
    io.stderr(`effect-iron-session: ${error.message}\nRun \`effect-iron-session --help\` for the options.\n`)
    return EXIT_USAGE
  }
}

/** 32 random bytes, base64url: 43 characters, 256 bits, past iron's 32-character minimum. */
export const newPassword = (): string => toBase64Url(globalThis.crypto.getRandomValues(new Uint8Array(32)))

interface Options {
  readonly cookie: string | undefined
  readonly name: string | undefined
  readonly passwordEnv: string
  readonly passwordFile: string | undefined
  readonly ttlSeconds: number
  readonly purpose: string | undefined
  readonly showData: boolean
  readonly json: boolean
}

const parseOptions = (args: ReadonlyArray<string>): Options => {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(args)
  } catch (error) {
    // Node's message names the option, never its value.
    return usage(error instanceof Error ? error.message : String(error))
  }
  const { values, positionals } = parsed
  if (values.password !== undefined) {
    usage(
      "--password is refused: a password given as an argument is kept in your shell's history and shown to every process listing. Put it in an environment variable (--password-env NAME, default SESSION_PASSWORD) or a file (--password-file path).",
    )
  }
  if (values["password-env"] !== undefined && values["password-file"] !== undefined) {
    usage("Give the password one way: --password-env or --password-file, not both.")
  }
  let ttlSeconds = DEFAULT_TTL_SECONDS
  if (values.ttl !== undefined) {
    ttlSeconds = Number(values.ttl)
    if (!/^\d+$/.test(values.ttl) || !(ttlSeconds > 0)) {
      usage(
        `--ttl takes the app's ttl in whole seconds, such as 1209600 for 14 days; got ${JSON.stringify(values.ttl)}.`,
      )
    }
  }
  if (values.purpose === "") usage('--purpose needs the purpose the seal was made for, such as "magic-link".')
  if (values.name === "") usage("--name needs the session cookie's name.")
  return {
    cookie: positionals.length === 0 ? undefined : positionals.join(" "),
    name: values.name,
    passwordEnv: values["password-env"] ?? DEFAULT_PASSWORD_ENV,
    passwordFile: values["password-file"],
    ttlSeconds,
    purpose: values.purpose,
    showData: values["show-data"] === true,
    json: values.json === true,
  }
}

const parse = (args: ReadonlyArray<string>) =>
  parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: "string" },
      "password-env": { type: "string" },
      "password-file": { type: "string" },
      // Declared only to be refused with the reason, rather than as an unknown option.
      password: { type: "string" },
      ttl: { type: "string" },
      purpose: { type: "string" },
      "show-data": { type: "boolean" },
      json: { type: "boolean" },
    },
  })

/**
 * A password's text as a password option: a JSON object is a keyring (ids to
 * passwords, as the app's `password: { 1: …, 2: … }`), anything else one
 * password. A file's trailing newline is not part of it: editors add one.
 */
const passwordOption = (text: string): unknown => {
  const trimmed = text.replace(/\r?\n$/, "")
  if (trimmed.trimStart().startsWith("{")) {
    try {
      const parsed = parseJson(trimmed)
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed
    } catch {
      // Not JSON: a password that happens to start with "{".
    }
  }
  return trimmed
}

const readPassword = (options: Options, io: Io): unknown => {
  if (options.passwordFile !== undefined) {
    let text: string
    try {
      text = readFileSync(options.passwordFile, "utf8")
    } catch (error) {
      const code = (error as { code?: unknown }).code
      return usage(
        `Cannot read the password file ${JSON.stringify(options.passwordFile)}${typeof code === "string" ? ` (${code})` : ""}. Check the path and that you may read it.`,
      )
    }
    if (text.replace(/\r?\n$/, "") === "") usage(`The password file ${JSON.stringify(options.passwordFile)} is empty.`)
    return passwordOption(text)
  }
  const value = io.env[options.passwordEnv]
  if (value === undefined || value === "") {
    usage(
      `The environment variable ${options.passwordEnv} is not set. Set it to the app's session password (for example \`read -rs ${options.passwordEnv} && export ${options.passwordEnv}\`), name another with --password-env NAME, or use --password-file path.`,
    )
  }
  return passwordOption(value!)
}

/** Where the seal came from in the input. */
interface Source {
  /** The cookie's name, when the input was a header. */
  readonly name: string | undefined
  /** The seal as the library reads it: the cookie, or its chunks up to the first gap. */
  readonly sealed: string
  /** The chunk indices present (`name.0` …), when the seal was read from chunks. */
  readonly chunks: ReadonlyArray<number> | undefined
}

const CHUNK = /^(.*)\.(\d)$/
const looksSealed = (value: string | undefined) => value?.startsWith(`${MAC_PREFIX}*`) === true

/**
 * Finds the session's seal in the input. A header is read through the same
 * jar and `readSeal` as a request's: the whole cookie first, else the chunks
 * from `name.0` up to the first gap.
 */
const findSeal = (input: string, wanted: string | undefined): Source | { readonly absent: string } => {
  const text = input.trim().replace(/^cookie:\s*/i, "")
  // A seal has no "=" (base64url, hex, digits, `*` and `~`): text with one is a header.
  if (!text.includes("=")) return { name: undefined, sealed: text, chunks: undefined }
  const parsed = Cookie.lazyCookies(() => text)
  const names = Object.keys(parsed())
  const cookies = Cookie.makeCookies({
    read: (n) => Cookie.own(parsed(), n),
    names: () => names,
    write: () => {},
  })
  const base = (n: string) => CHUNK.exec(n)?.[1] ?? n
  const sessions = [...new Set(names.map(base))]
  let name = wanted
  if (name === undefined) {
    const sealed = sessions.filter((n) => looksSealed(readSeal(cookies, n)))
    if (sessions.length === 1) name = sessions[0]
    else if (sealed.length === 1) name = sealed[0]
    else {
      usage(
        `The header holds ${sessions.length} cookies (${sessions.join(", ")})${sealed.length > 1 ? `, ${sealed.length} of them seals` : ""}: say which is the session with --name <cookieName>.`,
      )
    }
  }
  const cookieName = name!
  const sealed = readSeal(cookies, cookieName)
  const whole = cookies.read(cookieName)
  const chunks =
    whole !== undefined && whole !== ""
      ? undefined
      : names
          .map((n) => CHUNK.exec(n))
          .filter((m) => m !== null && m[1] === cookieName && (cookies.read(m[0]) ?? "") !== "")
          .map((m) => Number(m![2]))
          .sort((a, b) => a - b)
  // Chunks without a chunk 0 read as no cookie at all; they are reported as the missing chunk.
  if (sealed === "" && (chunks === undefined || chunks.length === 0)) return { absent: cookieName }
  return { name: cookieName, sealed, chunks }
}

/** The first chunk index the library's reading stops at, when some chunk after it is present. */
const gapIn = (chunks: ReadonlyArray<number>): number | undefined => {
  for (let index = 0; index < MAX_CHUNKS; index++) {
    if (!chunks.includes(index)) return chunks.some((c) => c > index) ? index : undefined
  }
  return undefined
}

/** What `inspect` found: the JSON it prints with `--json`, and what its text is made of. */
export interface Report {
  readonly opens: boolean
  /** Why it does not open: a `BadSealError` reason, or `expired`, `no-cookie`, `missing-chunk`. */
  readonly reason?: BadSealReason | "expired" | "no-cookie" | "missing-chunk"
  /** The library's own message for the reason, saying what to do. */
  readonly message?: string
  readonly cookieName?: string
  /** The chunks the cookie was read from, when it was stored in chunks. */
  readonly chunks?: { readonly present: ReadonlyArray<number>; readonly read: number; readonly missing?: number }
  /** The password id the seal names ("" for a seal without one, as @hapi/iron writes with a plain password). */
  readonly passwordId?: string
  /** When the seal expires or expired (ISO), `null` for never; only when it is authentic. */
  readonly expiresAt?: string | null
  readonly expiresIn?: string
  /** Expiration − ttl: an estimate, the seal does not record when it was made. */
  readonly sealedAt?: { readonly estimate: string; readonly ago: string; readonly ttlSeconds: number }
  /** The lifecycle record (`~session`) the seal carries. */
  readonly session?: {
    readonly id: string
    readonly signedInAt: string
    readonly signedInAgo: string
    readonly writtenAt: string
    readonly writtenAgo: string
  }
  /** The purpose the seal is bound to (`~purpose`), `null` for none; known once it decrypted. */
  readonly purpose?: string | null
  /** With `--show-data` only. */
  readonly data?: unknown
}

/** Opens what a seal holds without looking at its purpose, only once its MAC held: the plaintext the crypto gave. */
const capturing = (crypto: IronCrypto) => {
  let plaintext: string | undefined
  const wrapped: IronCrypto = {
    ...crypto,
    open: (seal, secret) => {
      const text = crypto.open(seal, secret)
      if (text instanceof Promise) {
        return text.then((t) => {
          plaintext = t
          return t
        })
      }
      plaintext = text
      return text
    },
  }
  return { crypto: wrapped, plaintext: () => plaintext }
}

const isSealError = isTagged<KernelError<"BadSealError"> | KernelError<"SealExpiredError">>(
  "BadSealError",
  "SealExpiredError",
)

const ID = /^\w{0,32}$/
const passwordIdOf = (sealed: string): string | undefined => {
  const parts = iron.macCovered(sealed).split("*")
  const id = parts.length === 8 && parts[0] === MAC_PREFIX ? parts[1] : undefined
  return id !== undefined && ID.test(id) ? id : undefined
}

/** The reserved keys of a decrypted seal, read past the purpose check: for reporting only. */
const reservedOf = (plaintext: string | undefined) => {
  if (plaintext === undefined) return undefined
  try {
    const json = parseJson(plaintext)
    if (typeof json !== "object" || json === null || Array.isArray(json)) return { purpose: null, session: undefined }
    const record = json as Record<string, unknown>
    const purpose = record[iron.RESERVED_PURPOSE]
    const session = record[iron.RESERVED_SESSION] as { id?: unknown; in?: unknown; at?: unknown } | undefined
    return {
      purpose: typeof purpose === "string" ? purpose : null,
      session:
        typeof session?.id === "string" && typeof session.in === "number" && typeof session.at === "number"
          ? { id: session.id, signedInAt: session.in, writtenAt: session.at }
          : undefined,
    }
  } catch {
    return undefined
  }
}

const inspectCommand = async (args: ReadonlyArray<string>, io: Io, json: boolean): Promise<number> => {
  const options = parseOptions(args)
  const password = readPassword(options, io)
  const input = options.cookie ?? (await io.stdin())
  if (input === undefined || input.trim() === "") {
    usage(
      "Give the cookie: as an argument, or on stdin (for example `pbpaste | effect-iron-session inspect`, which keeps it out of your shell history).",
    )
  }
  const report = await inspect(input!, password, options, io.now)
  io.stdout(json ? `${JSON.stringify(report)}\n` : render(report, options))
  return report.opens ? EXIT_OPENS : EXIT_REFUSED
}

const inspect = async (input: string, password: unknown, options: Options, now: number): Promise<Report> => {
  const { crypto, plaintext } = capturing(nodeCrypto ?? webCrypto)
  const sealer = iron.makeSealer(crypto, { password, purpose: options.purpose })
  if (!iron.isSealer(sealer)) return usage(sealer.message)
  const found = findSeal(input, options.name)
  if ("absent" in found) {
    return {
      opens: false,
      reason: "no-cookie",
      cookieName: found.absent,
      message: `The header holds no cookie named ${JSON.stringify(found.absent)}, whole or in chunks: the browser did not send it (it expired, was deleted, or its Path or Domain do not cover this request).`,
    }
  }
  const gap = found.chunks === undefined ? undefined : gapIn(found.chunks)
  const where: Partial<Report> = {
    ...(found.name === undefined ? {} : { cookieName: found.name }),
    ...(found.chunks === undefined
      ? {}
      : {
          chunks: {
            present: found.chunks,
            read: gap ?? found.chunks.length,
            ...(gap === undefined ? {} : { missing: gap }),
          },
        }),
  }
  const passwordId = passwordIdOf(found.sealed)
  const named = passwordId === undefined ? {} : { passwordId }
  const ttlMs = options.ttlSeconds * 1000

  const contents = (opened: iron.Opened): Partial<Report> => ({
    expiresAt: opened.expiration === undefined ? null : iso(opened.expiration),
    ...(opened.expiration === undefined ? {} : { expiresIn: relative(opened.expiration - now) }),
    ...(opened.expiration === undefined
      ? {}
      : {
          sealedAt: {
            estimate: iso(opened.expiration - ttlMs),
            ago: relative(opened.expiration - ttlMs - now),
            ttlSeconds: options.ttlSeconds,
          },
        }),
    ...(opened.record === undefined ? {} : { session: recordOf(opened.record, now) }),
    purpose: options.purpose ?? null,
    ...(options.showData ? { data: opened.data } : {}),
  })

  try {
    const opened = await iron.openSealed(sealer, found.sealed, now)
    return { opens: true, ...where, ...named, ...contents(opened) }
  } catch (error) {
    if (!isSealError(error)) throw error
    if (error._tag === "SealExpiredError") {
      // The MAC is checked before the expiry (the sealer is not in iron's
      // order), so the expiry is authentic; opened again without the check,
      // only to say what the seal held. It stays refused.
      let held: Partial<Report> = { expiresAt: error.expiredAt.toISOString() }
      try {
        held = contents(await iron.openSealed(sealer, found.sealed, now, false))
      } catch {
        // It expired and is wrong in another way too (say, its purpose): the expiry is reason enough.
      }
      return {
        opens: false,
        reason: "expired",
        message: messages.SealExpiredError({ expiredAt: error.expiredAt }),
        ...where,
        ...named,
        ...held,
      }
    }
    const reason = error.reason
    const later = found.chunks?.filter((c) => gap !== undefined && c > gap) ?? []
    const fails = reason === "integrity" ? "fails its MAC" : `is refused as ${reason}`
    const cut =
      gap !== undefined
        ? {
            reason: "missing-chunk" as const,
            message: `Chunk ${gap} of cookie ${JSON.stringify(found.name)} is missing while chunk${later.length > 1 ? "s" : ""} ${later.join(", ")} ${later.length > 1 ? "are" : "is"} present. The library reads ${found.name}.0, ${found.name}.1, … up to the first gap, so it read ${gap === 0 ? "none: no session at all" : gap === 1 ? "only chunk 0: a cut seal, which" : `chunks 0 to ${gap - 1}: a cut seal, which`}${gap === 0 ? "." : ` ${fails}.`} Whether chunks after ${later[later.length - 1]} were lost too cannot be told: no cookie records the count. A proxy or the browser dropped a cookie; keep the session within one cookie, or raise the proxy's limit on the Cookie header.`,
          }
        : found.chunks !== undefined && (reason === "malformed" || reason === "integrity")
          ? {
              message: `${error.message} The seal was read from ${found.chunks.length} chunks; if a last chunk was lost (a proxy or the browser dropped it), the seal is cut and fails this way: no cookie records how many there were.`,
            }
          : {}
    // A seal that decrypted and then failed on its purpose or record: what it holds is authentic.
    const reserved = reason === "purpose" ? reservedOf(plaintext()) : undefined
    return {
      opens: false,
      reason,
      message:
        reason === "purpose"
          ? purposeMessage(reserved?.purpose, options.purpose)
          : reason === "unknown-password-id"
            ? `${error.message}${sealer.keyring.single ? " (One password was given; a single password opens id 1 only. Give the keyring with --password-file.)" : ""}`
            : error.message,
      ...cut,
      ...where,
      ...named,
      ...(reserved === undefined
        ? {}
        : {
            purpose: reserved.purpose,
            ...(reserved.session === undefined ? {} : { session: recordOf(reserved.session, now) }),
          }),
    }
  }
}

const purposeMessage = (bound: string | null | undefined, wanted: string | undefined): string => {
  const seal =
    bound === undefined ? "another purpose" : bound === null ? "no purpose" : `purpose ${JSON.stringify(bound)}`
  const asked =
    wanted === undefined
      ? "no --purpose was given, as a session cookie is read"
      : `--purpose is ${JSON.stringify(wanted)}`
  const fix =
    typeof bound === "string"
      ? ` Pass --purpose ${bound} to inspect it as that token.`
      : " Leave out --purpose to inspect it as a session."
  return `The seal is authentic but bound to ${seal}, and ${asked}: the library refuses it (a token read as a session, or the other way round).${fix}`
}

const recordOf = (record: iron.SessionRecord, now: number): NonNullable<Report["session"]> => ({
  id: record.id,
  signedInAt: iso(record.signedInAt),
  signedInAgo: relative(record.signedInAt - now),
  writtenAt: iso(record.writtenAt),
  writtenAgo: relative(record.writtenAt - now),
})

const iso = (ms: number): string => new Date(Math.max(-8.64e15, Math.min(ms, 8.64e15))).toISOString()

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1000],
]

/** A duration in its two largest units: "3 days 4 hours", "2 minutes". */
const span = (ms: number): string => {
  // Rounded to the second unit, so that 13 days 23 hours 59 minutes reads as 14 days.
  const first = UNITS.findIndex(([, size]) => Math.abs(ms) >= size)
  const step = UNITS[first + 1]?.[1] ?? 1000
  let left = Math.round(Math.abs(ms) / step) * step
  const words: Array<string> = []
  for (const [unit, size] of UNITS) {
    const count = Math.floor(left / size)
    if (count > 0 && words.length < 2) {
      words.push(`${count} ${unit}${count === 1 ? "" : "s"}`)
      left -= count * size
    } else if (words.length > 0) break
  }
  return words.join(" ")
}

/** A time from now: "in 3 days 4 hours", "2 minutes ago", "just now". */
export const relative = (deltaMs: number): string =>
  Math.abs(deltaMs) < 1000 ? "just now" : deltaMs > 0 ? `in ${span(deltaMs)}` : `${span(deltaMs)} ago`

const REASONS: Record<NonNullable<Report["reason"]>, string> = {
  malformed: "malformed: not an Fe26.2 seal",
  integrity: "bad MAC: tampered with, or sealed with another password",
  "unknown-password-id": "unknown password id",
  undecryptable: "undecryptable",
  "not-json": "not JSON",
  purpose: "purpose mismatch",
  expired: "expired",
  "no-cookie": "no such cookie",
  "missing-chunk": "missing chunk",
}

const render = (report: Report, options: Options): string => {
  const lines: Array<string> = []
  const add = (label: string, text: string) => lines.push(`${`${label}:`.padEnd(13)} ${text}`)
  if (report.opens) {
    add(
      "Opens",
      report.passwordId === undefined || report.passwordId === ""
        ? "yes (the seal names no password id)"
        : `yes, with password id ${report.passwordId}`,
    )
  } else {
    const reason = report.reason!
    add("Opens", `no: ${REASONS[reason]}`)
    add("Why", report.message ?? "")
  }
  if (report.cookieName !== undefined) add("Cookie", report.cookieName)
  if (report.chunks !== undefined) {
    add(
      "Chunks",
      `present ${report.chunks.present.join(", ")}; read ${report.chunks.read}${report.chunks.missing === undefined ? "" : `, chunk ${report.chunks.missing} missing`}`,
    )
  }
  if (!report.opens && report.passwordId !== undefined) {
    add(
      "Password id",
      report.passwordId === "" ? "(none named by the seal)" : `${report.passwordId} (named by the seal)`,
    )
  }
  if (report.expiresAt === null) add("Expires", "never (sealed without a ttl)")
  else if (report.expiresAt !== undefined && report.expiresIn !== undefined) {
    const verb = report.expiresIn.endsWith("ago") ? "Expired" : "Expires"
    const skew =
      report.opens && report.expiresIn.endsWith("ago") ? "; still accepted within iron's 60-second clock skew" : ""
    add(verb, `${report.expiresAt} (${report.expiresIn}${skew})`)
  }
  if (report.sealedAt !== undefined) {
    add(
      "Sealed",
      `about ${report.sealedAt.estimate} (${report.sealedAt.ago}). An estimate: the seal does not record it; this is its expiry less a ttl of ${span(report.sealedAt.ttlSeconds * 1000)}. Give --ttl <seconds> if the app sets another.${report.session === undefined ? "" : " The record's last write below is exact."}`,
    )
  }
  if (report.session !== undefined) {
    add("Session id", report.session.id)
    add("Signed in", `${report.session.signedInAt} (${report.session.signedInAgo})`)
    add("Last written", `${report.session.writtenAt} (${report.session.writtenAgo})`)
  }
  if (report.purpose !== undefined) add("Purpose", report.purpose === null ? "none" : report.purpose)
  if (report.opens || report.reason === "expired") {
    add(
      "Data",
      "data" in report
        ? JSON.stringify(report.data, null, 2).replace(/\n/g, `\n${" ".repeat(14)}`)
        : options.showData
          ? "(not readable)"
          : "hidden (pass --show-data to print it)",
    )
  }
  return `${lines.join("\n")}\n`
}
