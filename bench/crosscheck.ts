/**
 * Checks run before anything is timed, so that every case does the same,
 * correct work: each implementation opens every other's seals to the same
 * payload, refuses a tampered one, and a request through any of them writes a
 * cookie the floor (and so iron-session) reads back. `test/bench.test.ts` runs
 * the floor's checks against iron-session in `npm test`, so the floor cannot
 * drift from the format without a red test.
 *
 * Every check returns the list of its problems: empty means good.
 */
import { isDeepStrictEqual } from "node:util"
import * as ironSession from "iron-session"
import { message } from "./common.js"
import {
  COOKIE_NAME,
  cookieHeader,
  type Data,
  PASSWORD,
  PAYLOAD,
  SESSION_OPTIONS,
  TTL_MS,
  TTL_SECONDS,
  webRequest,
} from "./fixtures.js"
import * as floor from "./floor.js"

/** An implementation of seal and unseal, called as an application calls it. */
export interface Sealer {
  readonly name: string
  readonly seal: (data: unknown) => Promise<string> | string
  /** Opens a seal from any implementation; gives or resolves to the data. */
  readonly unseal: (sealed: string) => unknown
  /** It ends its seals with iron-session's `~2` marker (all but @hapi/iron). */
  readonly marker?: false
}

export const floorSealer: Sealer = {
  name: "floor (node:crypto)",
  seal: (data) => floor.sealFloor(data),
  unseal: (sealed) => floor.unsealFloor(sealed),
}

export const ironSessionSealer: Sealer = {
  name: "iron-session",
  seal: (data) => ironSession.sealData(data, { password: PASSWORD, ttl: TTL_SECONDS }),
  // unsealData gives {} for a seal it refuses: the payload comparison catches that.
  unseal: (sealed) => ironSession.unsealData(sealed, { password: PASSWORD, ttl: TTL_SECONDS }),
}

/** A seal without iron-session's `~2` marker, which @hapi/iron does not know (it sits outside the MAC). */
export const withoutMarker = (sealed: string): string => {
  const tilde = sealed.indexOf("~")
  return tilde === -1 ? sealed : sealed.slice(0, tilde)
}

/** The same seal with one character of its ciphertext changed (the marker kept). */
const tamper = (sealed: string): string => {
  const parts = withoutMarker(sealed).split("*")
  const encrypted = parts[4] ?? ""
  parts[4] = (encrypted[0] === "A" ? "B" : "A") + encrypted.slice(1)
  return parts.join("*") + sealed.slice(withoutMarker(sealed).length)
}

/**
 * Every implementation seals the payload once; every implementation must open
 * every seal to a deep-equal payload and refuse it tampered; every seal must
 * be Fe26.2 with password id 1, end in `~2` (but @hapi/iron's) and expire 14 days after it was made.
 */
export const checkSeals = async (sealers: ReadonlyArray<Sealer>): Promise<string[]> => {
  const problems: string[] = []
  for (const sealer of sealers) {
    const before = Date.now()
    let sealed: string
    try {
      sealed = await sealer.seal(PAYLOAD)
    } catch (e) {
      problems.push(`${sealer.name} failed to seal: ${message(e)}`)
      continue
    }
    const parts = withoutMarker(sealed).split("*")
    if (parts.length !== 8 || parts[0] !== "Fe26.2" || parts[1] !== "1") {
      problems.push(`${sealer.name} made a seal that is not Fe26.2 with password id 1: ${sealed.slice(0, 40)}…`)
    }
    if (sealed.endsWith("~2") !== (sealer.marker !== false)) {
      problems.push(`${sealer.name} ${sealer.marker === false ? "added" : "did not add"} the ~2 marker`)
    }
    const expiration = Number(parts[5])
    if (!(expiration >= before + TTL_MS && expiration <= Date.now() + TTL_MS)) {
      problems.push(`${sealer.name} sealed with expiration ${parts[5]}, not now + 14 days`)
    }
    for (const opener of sealers) {
      try {
        const data = await opener.unseal(sealed)
        if (!isDeepStrictEqual(data, PAYLOAD)) {
          problems.push(`${opener.name} opened the seal of ${sealer.name} as ${JSON.stringify(data)}`)
        }
      } catch (e) {
        problems.push(`${opener.name} could not open the seal of ${sealer.name}: ${message(e)}`)
      }
      const refused = await Promise.resolve()
        .then(() => opener.unseal(tamper(sealed)))
        .then(
          (data) => !isDeepStrictEqual(data, PAYLOAD),
          () => true,
        )
      if (!refused) problems.push(`${opener.name} opened a tampered seal of ${sealer.name}`)
    }
  }
  return problems
}

/** A whole request on web objects, as each implementation serves it. */
export interface RequestImplementation {
  readonly name: string
  /** Reads the session of `request`; gives (or resolves to) its visits count. */
  readonly read?: (request: Request, response: Response) => unknown
  /**
   * Reads, counts a visit, saves. The Set-Cookie goes on `response`, or on the
   * Response it gives (or resolves to), for an app that makes its own.
   */
  readonly readSave: (request: Request, response: Response) => unknown
}

const setCookiesOf = (response: Response): string[] => response.headers.getSetCookie()

/** What `cookie=value` and its attributes a Set-Cookie carries. */
export const splitSetCookie = (setCookie: string) => {
  const semicolon = setCookie.indexOf(";")
  const pair = semicolon === -1 ? setCookie : setCookie.slice(0, semicolon)
  const eq = pair.indexOf("=")
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes: setCookie.slice(pair.length) }
}

/**
 * On a cookie sealed by the floor, an implementation's read sees the payload's
 * visits; its read + save writes exactly one Set-Cookie, with iron-session's
 * attributes, whose seal the floor opens to the payload with one more visit.
 */
export const checkRequest = async (impl: RequestImplementation): Promise<string[]> => {
  const problems: string[] = []
  const cookie = cookieHeader(floor.sealFloor(PAYLOAD))
  try {
    if (impl.read !== undefined) {
      const visits = await impl.read(webRequest(cookie), new Response())
      if (visits !== PAYLOAD.visits)
        problems.push(`${impl.name}: read gave visits ${String(visits)}, not ${PAYLOAD.visits}`)
    }
    const response = new Response()
    const returned = await impl.readSave(webRequest(cookie), response)
    const setCookies = setCookiesOf(returned instanceof Response ? returned : response)
    if (setCookies.length !== 1) {
      problems.push(`${impl.name}: read+save wrote ${setCookies.length} Set-Cookie headers, not 1`)
      return problems
    }
    const { name, value, attributes } = splitSetCookie(setCookies[0]!)
    if (name !== COOKIE_NAME) problems.push(`${impl.name}: read+save wrote the cookie ${JSON.stringify(name)}`)
    if (attributes !== floor.SET_COOKIE_ATTRIBUTES) {
      problems.push(
        `${impl.name}: Set-Cookie attributes ${JSON.stringify(attributes)}, the floor's ${JSON.stringify(floor.SET_COOKIE_ATTRIBUTES)}`,
      )
    }
    const data = floor.unsealFloor(value)
    if (!isDeepStrictEqual(data, { ...PAYLOAD, visits: PAYLOAD.visits + 1 })) {
      problems.push(`${impl.name}: read+save sealed ${JSON.stringify(data)}`)
    }
  } catch (e) {
    problems.push(`${impl.name}: ${message(e)}`)
  }
  return problems
}

/** iron-session 9 on a whole request: the reference for every request check. */
export const ironSessionRequest: RequestImplementation = {
  name: "iron-session",
  read: async (request, response) =>
    (await ironSession.getIronSession<Data>(request, response, SESSION_OPTIONS)).visits,
  readSave: async (request, response) => {
    const session = await ironSession.getIronSession<Data>(request, response, SESSION_OPTIONS)
    session.visits = (session.visits ?? 0) + 1
    await session.save()
  },
}

export const floorRequest: RequestImplementation = {
  name: "floor",
  read: (request) => floor.readWeb(request),
  readSave: (request, response) => floor.readSaveWeb(request, response),
}

/**
 * The floor against iron-session, both ways: seals, attributes, whole
 * requests, and iron-session reading the cookie the floor's request wrote.
 */
export const checkFloor = async (): Promise<string[]> => {
  const problems = [
    ...(await checkSeals([floorSealer, ironSessionSealer])),
    ...(await checkRequest(floorRequest)),
    ...(await checkRequest(ironSessionRequest)),
  ]
  // The cookie the floor's request writes, read back by iron-session.
  const response = new Response()
  floor.readSaveWeb(webRequest(cookieHeader(await ironSessionSealer.seal(PAYLOAD))), response)
  const { value } = splitSetCookie(setCookiesOf(response)[0] ?? "")
  const session = await ironSession.getIronSession<Data>(
    webRequest(cookieHeader(value)),
    new Response(),
    SESSION_OPTIONS,
  )
  if (!isDeepStrictEqual({ ...session }, { ...PAYLOAD, visits: PAYLOAD.visits + 1 })) {
    problems.push(`iron-session read the floor's cookie as ${JSON.stringify({ ...session })}`)
  }
  // The floor's cookie parsing on headers iron-session's `cookie` package reads the same way.
  const sealed = floor.sealFloor(PAYLOAD)
  for (const header of [
    `${COOKIE_NAME}=${sealed}`,
    `a=1;${COOKIE_NAME}=${sealed}`,
    ` x=1 ;  ${COOKIE_NAME} = ${sealed} ; y`,
    `${COOKIE_NAME}=${sealed}; ${COOKIE_NAME}=other`,
    `${COOKIE_NAME}x=1; x${COOKIE_NAME}=2`,
    `${COOKIE_NAME}=${encodeURIComponent(sealed).replace("*", "%2A")}`,
  ]) {
    const read = await ironSession.getIronSession<Data>(webRequest(header), new Response(), SESSION_OPTIONS)
    if (!isDeepStrictEqual(floor.readSession(header), { ...read })) {
      problems.push(
        `the floor and iron-session read the Cookie header ${JSON.stringify(header.slice(0, 60))} differently`,
      )
    }
  }
  return problems
}
