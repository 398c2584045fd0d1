/**
 * Finds the first value JSON cannot carry unchanged.
 *
 * `JSON.stringify` quietly turns a `Date` into a string, a `Map` into `{}` and
 * `NaN` into `null`, so a session that went in typed comes back as something
 * else, with no error anywhere. iron refuses such data but does not say where
 * it is; this walk names the path, which is the part a person needs.
 *
 * Shared references are fine (they serialize twice); only a reference back to
 * an ancestor is a cycle. `undefined` object properties are allowed and dropped,
 * as iron-session does; `undefined` in an array would become `null`, so it is
 * refused.
 *
 * Nesting is capped at {@link MAX_DEPTH} levels: the walk (and JSON.stringify)
 * recurse, and data a few thousand levels deep would otherwise end in a stack
 * overflow instead of an error that names it. No session needs that depth, and
 * a cookie could not carry it anyway.
 *
 * @internal
 */

/** The deepest nesting sealed data may have. */
export const MAX_DEPTH = 1000
export interface Unserializable {
  readonly path: ReadonlyArray<string | number>
  readonly found: string
}

export const findUnserializable = (value: unknown): Unserializable | undefined => {
  const ancestors: Array<object> = []
  const path: Array<string | number> = []

  const visit = (v: unknown, inArray: boolean): string | undefined => {
    if (path.length > MAX_DEPTH) return `value nested deeper than ${MAX_DEPTH} levels`
    switch (typeof v) {
      case "string":
      case "boolean":
        return undefined
      case "number":
        return Number.isFinite(v) ? undefined : String(v)
      case "undefined":
        return inArray || path.length === 0 ? "undefined" : undefined
      case "bigint":
      case "function":
      case "symbol":
        return typeof v
      default:
        break
    }
    if (v === null) return undefined
    const obj = v as object
    if (ancestors.includes(obj)) return "circular reference"
    ancestors.push(obj)
    try {
      if (Array.isArray(obj)) {
        for (let i = 0; i < obj.length; i++) {
          path.push(i)
          const found = visit(obj[i], true)
          if (found !== undefined) return found
          path.pop()
        }
        return undefined
      }
      const proto = Object.getPrototypeOf(obj)
      if (proto !== null && proto !== Object.prototype) {
        const name = (obj as { constructor?: { name?: unknown } }).constructor?.name
        return typeof name === "string" && name !== "" ? name : "class instance"
      }
      for (const key of Reflect.ownKeys(obj)) {
        if (typeof key === "symbol") {
          path.push(String(key))
          return "symbol key"
        }
        path.push(key)
        if (!Object.prototype.propertyIsEnumerable.call(obj, key)) return "non-enumerable property"
        const found = visit((obj as Record<string, unknown>)[key], false)
        if (found !== undefined) return found
        path.pop()
      }
      return undefined
    } finally {
      ancestors.pop()
    }
  }

  const found = visit(value, false)
  return found === undefined ? undefined : { path: [...path], found }
}

/**
 * `JSON.parse` for data read from a cookie: an own `__proto__` key is dropped.
 *
 * `JSON.parse` itself makes `__proto__` an ordinary own property, but code
 * that copies the object key by key (a schema decoding a `Record`,
 * `Object.assign`, a spread into a class) assigns it, and the copy then gets
 * the cookie's object as its prototype: `{"prefs":{"__proto__":{"role":"admin"}}}`
 * would make `prefs.role` read `"admin"`. The reviver costs a little, so it
 * only runs when the text could spell the key (literally or with a `\u` escape).
 */
export const parseJson = (text: string): unknown =>
  text.includes("__proto__") || text.includes("\\u") ? JSON.parse(text, dropProto) : JSON.parse(text)

const dropProto = (key: string, value: unknown) => (key === "__proto__" ? undefined : value)
