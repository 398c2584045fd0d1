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
 * @internal
 */
export interface Unserializable {
  readonly path: ReadonlyArray<string | number>
  readonly found: string
}

export const findUnserializable = (value: unknown): Unserializable | undefined => {
  const ancestors: Array<object> = []
  const path: Array<string | number> = []

  const visit = (v: unknown, inArray: boolean): string | undefined => {
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
