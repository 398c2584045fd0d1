/**
 * The floor: the least work a server can do to keep an iron session, written
 * directly on synchronous `node:crypto`. Every ratio against "floor" says how
 * far a library is from this.
 *
 * - A seal is iron's Fe26.2 exactly: two PBKDF2-SHA1 derivations of one
 *   iteration (256-bit salts, as hex text), AES-256-CBC, HMAC-SHA256, base64url,
 *   JSON, plus iron-session's `~2` marker. iron-session opens these seals and
 *   the floor opens iron-session's (`bench/crosscheck.ts`, and
 *   `test/bench.test.ts` so it cannot silently drift).
 * - A request is: find the cookie in the Cookie header, unseal, JSON, change,
 *   seal, and write the `Set-Cookie` with iron-session's default attributes.
 *
 * What it leaves out is what a library adds on purpose: options checks,
 * password rotation, chunking, size checks, typed errors. It is a floor, not a
 * competitor.
 */
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import { COOKIE_NAME, cookieHeader, type Data, PASSWORD, PAYLOAD, TTL_MS, TTL_SECONDS } from "./fixtures.js"

const PREFIX = "Fe26.2"
const PASSWORD_ID = "1"
const SKEW_MS = 60_000

const derive = (password: string, salt: string): Buffer => pbkdf2Sync(password, salt, 1, 32, "sha1")

/** Why the floor refused a seal (it only reports it; requests read a refused cookie as an empty session). */
export class FloorError extends Error {}

/** Seals JSON data as iron-session 9 does, with the `~2` marker. */
export const sealFloor = (data: unknown, password = PASSWORD, now = Date.now()): string => {
  const random = randomBytes(80)
  const encryptionSalt = random.toString("hex", 0, 32)
  const hmacSalt = random.toString("hex", 32, 64)
  const iv = random.subarray(64, 80)
  const cipher = createCipheriv("aes-256-cbc", derive(password, encryptionSalt), iv)
  const encrypted = Buffer.concat([cipher.update(JSON.stringify(data), "utf8"), cipher.final()])
  const macBase = `${PREFIX}*${PASSWORD_ID}*${encryptionSalt}*${iv.toString("base64url")}*${encrypted.toString("base64url")}*${now + TTL_MS}`
  const digest = createHmac("sha256", derive(password, hmacSalt)).update(macBase).digest("base64url")
  return `${macBase}*${hmacSalt}*${digest}~2`
}

/** Opens a seal made by any Fe26.2 sealer under password id 1 (with or without `~2`). Throws a {@link FloorError}. */
export const unsealFloor = (sealed: string, password = PASSWORD, now = Date.now()): unknown => {
  const tilde = sealed.indexOf("~")
  const raw = tilde === -1 ? sealed : sealed.slice(0, tilde)
  const parts = raw.split("*")
  if (parts.length !== 8 || parts[0] !== PREFIX) throw new FloorError("not an Fe26.2 seal")
  const [, id, encryptionSalt, iv, encrypted, expiration, hmacSalt, digest] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ]
  if (id !== PASSWORD_ID) throw new FloorError(`unknown password id ${JSON.stringify(id)}`)
  if (expiration !== "" && Number(expiration) <= now - SKEW_MS) throw new FloorError("expired")
  const macBase = raw.slice(0, raw.length - hmacSalt.length - digest.length - 2)
  const expected = Buffer.from(createHmac("sha256", derive(password, hmacSalt)).update(macBase).digest("base64url"))
  const given = Buffer.from(digest)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new FloorError("bad hmac")
  try {
    const decipher = createDecipheriv("aes-256-cbc", derive(password, encryptionSalt), Buffer.from(iv, "base64url"))
    const text = Buffer.concat([decipher.update(Buffer.from(encrypted, "base64url")), decipher.final()])
    return JSON.parse(text.toString("utf8"))
  } catch {
    throw new FloorError("cannot decrypt")
  }
}

/**
 * The value of the first cookie called `name` in a Cookie header, as the
 * `cookie` package reads it (first one wins, `%`-decoded when it has a `%`).
 */
export const readCookie = (header: string | null | undefined, name: string): string | undefined => {
  if (!header) return undefined
  let start = 0
  while (start < header.length) {
    let end = header.indexOf(";", start)
    if (end === -1) end = header.length
    const eq = header.indexOf("=", start)
    if (eq !== -1 && eq < end && header.slice(start, eq).trim() === name) {
      const value = header.slice(eq + 1, end).trim()
      if (!value.includes("%")) return value
      try {
        return decodeURIComponent(value)
      } catch {
        return value
      }
    }
    start = end + 1
  }
  return undefined
}

/** iron-session's default attributes for its default ttl: `Max-Age` is the ttl less 60 s of clock skew. */
export const SET_COOKIE_ATTRIBUTES = `; Max-Age=${TTL_SECONDS - 60}; Path=/; HttpOnly; Secure; SameSite=Lax`

/** The session in a Cookie header, or `{}` when there is none or it does not open (as iron-session reads it). */
export const readSession = (header: string | null | undefined): Partial<Data> => {
  const sealed = readCookie(header, COOKIE_NAME)
  if (sealed === undefined) return {}
  try {
    return (unsealFloor(sealed) ?? {}) as Partial<Data>
  } catch {
    return {}
  }
}

/** Reads, counts a visit, and returns the `Set-Cookie` value writing the session back. */
export const visit = (header: string | null | undefined): { readonly visits: number; readonly setCookie: string } => {
  const session = readSession(header)
  session.visits = (session.visits ?? 0) + 1
  return { visits: session.visits, setCookie: `${COOKIE_NAME}=${sealFloor(session)}${SET_COOKIE_ATTRIBUTES}` }
}

/** A whole read on web objects: the visits count of the request's session. */
export const readWeb = (request: Request): number | undefined => readSession(request.headers.get("cookie")).visits

/** A whole read + change + save on web objects. */
export const readSaveWeb = (request: Request, response: Response): number => {
  const { visits, setCookie } = visit(request.headers.get("cookie"))
  response.headers.append("set-cookie", setCookie)
  return visits
}

/** A whole read + change + save on Node's `http` objects, ending the response with the new count. */
export const handleNode = (req: IncomingMessage, res: ServerResponse): void => {
  const { visits, setCookie } = visit(req.headers.cookie)
  res.setHeader("set-cookie", setCookie)
  res.end(String(visits))
}

/**
 * Distinct Cookie headers, each with a seal of the payload made beforehand,
 * handed out in turn: one per call, so no call reads the cookie of the one
 * before and a cache of opened cookies smaller than the pool never hits.
 */
export const cookiePool = (size: number): (() => string) => {
  const pool = Array.from({ length: size }, () => cookieHeader(sealFloor(PAYLOAD)))
  let next = 0
  return () => pool[next++ % pool.length]!
}
