/**
 * Differential testing of the Promise facade against iron-session 9.
 *
 * A scenario is a function of the library (`iron-session` or
 * `effect-iron-session/promise`, both exposing the same API) that returns an
 * observation: session data as JSON, `Set-Cookie` headers with seal values
 * normalized, error messages, `onUnsealError` reasons. It is run once against
 * each library and the two observations must be equal.
 *
 * A scenario also records every seal it wrote (as a `Cookie` header, or as a
 * bare seal for `sealData`), and each one is read back by the OTHER library,
 * which must give the same data: a cookie written by either is read by the other.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import * as HapiIron from "@hapi/iron"
import * as Ours from "effect-iron-session/promise"
import * as Theirs from "iron-session"

/** The API both libraries expose. */
export type Lib = Pick<
  typeof Theirs,
  "getIronSession" | "sealData" | "unsealData" | "nodeCookies" | "webCookies" | "nextProxyCookies"
>
export type SessionOptions = Theirs.SessionOptions
export type UnsealErrorReason = Theirs.UnsealErrorReason
export type Password = SessionOptions["password"]

export const theirs: Lib = Theirs
export const ours: Lib = Ours

export const password = "a-password-that-is-at-least-32-characters-long"
export const newer = "a-newer-password-that-is-also-32-characters-long"

/** Session data as JSON: what a client of the library can observe of it. */
export const snapshot = (session: object): unknown => JSON.parse(JSON.stringify(session))

const MAX_AGE = /^max-age=(-?\d+)$/i
const EXPIRES = /^expires=(.*)$/i

/** `<seal:LENGTH>` for a seal, `<chunk:LENGTH>` for a chunk cookie's value, anything else as it is. */
export const normalizeValue = (name: string, value: string): string => {
  if (/\.\d+$/.test(name) && value !== "") return `<chunk:${value.length}>`
  if (value.startsWith("Fe26.2*")) return `<seal:${value.length}>`
  return value
}

/**
 * A `Set-Cookie` header with its value normalized, every attribute kept in
 * order. An `Expires` that is derived from `Max-Age` and the current time (Next
 * adds one) becomes `Expires=<now+Max-Age>`: that timestamp is the clock, not
 * the library. Any other `Expires` is kept as it is.
 */
export const normalizeSetCookie = (header: string, now = Date.now()): string => {
  const [pair = "", ...attributes] = header.split(";").map((part) => part.trim())
  const eq = pair.indexOf("=")
  const name = pair.slice(0, eq)
  const value = pair.slice(eq + 1)
  const maxAge = attributes.map((a) => MAX_AGE.exec(a)?.[1]).find((m) => m !== undefined)
  const normalized = attributes.map((attribute) => {
    const expires = EXPIRES.exec(attribute)?.[1]
    if (expires === undefined || maxAge === undefined) return attribute
    const expected = now + Number(maxAge) * 1000
    return Math.abs(Date.parse(expires) - expected) <= 5000 ? "Expires=<now+Max-Age>" : attribute
  })
  return [`${name}=${normalizeValue(name, value)}`, ...normalized].join("; ")
}

export const normalizeSetCookies = (headers: ReadonlyArray<string>): Array<string> =>
  headers.map((header) => normalizeSetCookie(header))

/** The parts of a seal worth comparing; the expiration as seconds from now, to 5 s (it is a timestamp). */
export const sealShape = (seal: string) => {
  const [raw = "", ...suffix] = seal.split("~")
  const parts = raw.split("*")
  const expiration = parts[5] ?? ""
  return {
    length: seal.length,
    parts: parts.length,
    prefix: parts[0],
    passwordId: parts[1],
    // Rounded to 5 s: the time between sealing and this line is the machine's
    // load, not the library (both libraries' ttls are whole minutes here).
    expiresIn: expiration === "" ? "" : Math.round((Number(expiration) - Date.now()) / 5000) * 5,
    suffix: suffix.join("~"),
  }
}

/** Changes one character in the middle of a seal, to another base64url character. */
export const tamper = (seal: string): string => {
  let index = Math.floor(seal.length / 2)
  while (seal[index] === "*" || seal[index] === "~") index++
  const replacement = seal[index] === "A" ? "B" : "A"
  return `${seal.slice(0, index)}${replacement}${seal.slice(index + 1)}`
}

/** A seal made by `@hapi/iron`, the reference implementation, with iron-session's `~2` marker. */
export const hapiSeal = async (data: unknown, options: { readonly expired?: boolean; readonly id?: string } = {}) =>
  `${await HapiIron.seal(
    data,
    { id: options.id ?? "1", secret: password },
    options.expired === true
      ? { ...HapiIron.defaults, ttl: 3600_000, localtimeOffsetMsec: -2 * 3600_000 }
      : { ...HapiIron.defaults, ttl: 3600_000 },
  )}~2`

/** What a throw looks like: the full message when `exact`, otherwise whether it has the key phrase. */
export interface Failure {
  readonly threw: boolean
  readonly phrase: string
  readonly contains: boolean
  readonly name?: string
  readonly message?: string
}

const failureOf = (error: unknown, phrase: string, exact: boolean): Failure => {
  const message = error instanceof Error ? error.message : String(error)
  return {
    threw: true,
    phrase,
    contains: message.includes(phrase),
    name: error instanceof Error ? error.constructor.name : typeof error,
    ...(exact ? { message } : {}),
  }
}

/** Runs `f` and describes what it threw; `exact` compares the whole message, not only the phrase. */
export const failure = async (f: () => unknown, phrase: string, exact = true): Promise<Failure> => {
  try {
    await f()
    return { threw: false, phrase, contains: false }
  } catch (error) {
    return failureOf(error, phrase, exact)
  }
}

/** {@link failure} for a function that must throw synchronously (an async throw counts as not thrown). */
export const syncFailure = (f: () => unknown, phrase: string, exact = true): Failure & { readonly sync: boolean } => {
  try {
    const result = f()
    if (result instanceof Promise) result.catch(() => {})
    return { threw: false, phrase, contains: false, sync: !(result instanceof Promise) }
  } catch (error) {
    return { ...failureOf(error, phrase, exact), sync: true }
  }
}

/** Collects the `onUnsealError` reasons. */
export const reasons = () => {
  const seen: Array<UnsealErrorReason> = []
  return { seen, onUnsealError: (reason: UnsealErrorReason) => void seen.push(reason) }
}

/** A seal one library wrote, for the other library to read. */
export type Written =
  | {
      readonly kind: "cookie"
      readonly label: string
      readonly cookie: string
      readonly options: SessionOptions
      readonly data: unknown
    }
  | {
      readonly kind: "seal"
      readonly label: string
      readonly seal: string
      readonly password: Password
      readonly data: unknown
    }

export interface Recorder {
  /** A `Cookie` header carrying a session written with `options`, which holds `data`. */
  readonly cookie: (label: string, cookie: string, options: SessionOptions, data: unknown) => void
  /** A seal from `sealData`, which opens with `password` to `data`. */
  readonly seal: (label: string, seal: string, password: Password, data: unknown) => void
}

const recorder = (): Recorder & { readonly written: Array<Written> } => {
  const written: Array<Written> = []
  return {
    written,
    cookie: (label, cookie, options, data) => {
      const { onUnsealError: _, ...rest } = options
      written.push({ kind: "cookie", label, cookie, options: rest, data })
    },
    seal: (label, seal, pw, data) => void written.push({ kind: "seal", label, seal, password: pw, data }),
  }
}

export interface CrossRead {
  readonly label: string
  readonly expected: { readonly data: unknown; readonly reasons: ReadonlyArray<UnsealErrorReason> }
  readonly got: { readonly data: unknown; readonly reasons: ReadonlyArray<UnsealErrorReason> }
}

/** Reads what one library wrote with the other library. */
const readWith = async (lib: Lib, written: ReadonlyArray<Written>): Promise<Array<CrossRead>> => {
  const out: Array<CrossRead> = []
  for (const w of written) {
    const { seen, onUnsealError } = reasons()
    let data: unknown
    if (w.kind === "cookie") {
      const request = new Request("http://127.0.0.1/", { headers: { cookie: w.cookie } })
      const session = await lib.getIronSession(lib.webCookies(request, new Headers()), { ...w.options, onUnsealError })
      data = snapshot(session)
    } else {
      data = await lib.unsealData(w.seal, { password: w.password, onUnsealError })
    }
    out.push({ label: `${w.kind} ${w.label}`, expected: { data: w.data, reasons: [] }, got: { data, reasons: seen } })
  }
  return out
}

export type Scenario<O> = (lib: Lib, record: Recorder) => Promise<O>

export interface Differential<O> {
  readonly theirs: O
  readonly ours: O
  /** What iron-session wrote, read by the facade. */
  readonly theirsReadByOurs: Array<CrossRead>
  /** What the facade wrote, read by iron-session. */
  readonly oursReadByTheirs: Array<CrossRead>
}

/** Runs a scenario against iron-session and the facade, and reads each one's seals with the other. */
export const differential = async <O>(scenario: Scenario<O>): Promise<Differential<O>> => {
  const theirsRecorder = recorder()
  const oursRecorder = recorder()
  const theirsObservation = await scenario(theirs, theirsRecorder)
  const oursObservation = await scenario(ours, oursRecorder)
  return {
    theirs: theirsObservation,
    ours: oursObservation,
    theirsReadByOurs: await readWith(ours, theirsRecorder.written),
    oursReadByTheirs: await readWith(theirs, oursRecorder.written),
  }
}

/** A listening server (Express, or a bare `node:http` handler) on 127.0.0.1 for the duration of `use`. */
export const withListening = async <A>(server: Server, use: (url: string) => Promise<A>): Promise<A> => {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  try {
    return await use(`http://127.0.0.1:${port}`)
  } finally {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

export const nodeServer = (handler: (req: IncomingMessage, res: ServerResponse) => void) => createServer(handler)

/** One HTTP visit: what the client sees (status, JSON or text body, normalized Set-Cookie), plus the raw headers. */
export const visit = async (url: string, cookie?: string) => {
  const response = await fetch(url, cookie === undefined || cookie === "" ? {} : { headers: { cookie } })
  const raw = response.headers.getSetCookie()
  const text = await response.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {}
  return { seen: { status: response.status, body, setCookie: normalizeSetCookies(raw) }, raw }
}
