/**
 * Schema failures as data that is safe to log.
 *
 * A `ParseError`'s message quotes the value it was given, and the value here
 * is session data read from a cookie: it must not end up in a log line. This
 * keeps where each problem is and what was expected, and drops what was found.
 *
 * @internal
 */
import type * as ParseResult from "effect/ParseResult"
import { SchemaMismatchError } from "../Errors.js"

type Issue = { path: Array<string | number>; expected: string }

const collect = (issue: ParseResult.ParseIssue, path: Array<string | number>, out: Array<Issue>): void => {
  switch (issue._tag) {
    case "Pointer": {
      const keys = Array.isArray(issue.path) ? issue.path : [issue.path]
      collect(issue.issue, [...path, ...keys.map((k) => (typeof k === "symbol" ? String(k) : k))], out)
      return
    }
    case "Composite": {
      const issues = Array.isArray(issue.issues) ? issue.issues : [issue.issues as ParseResult.ParseIssue]
      for (const inner of issues) collect(inner, path, out)
      return
    }
    case "Refinement":
    case "Transformation":
      // A refinement's "From" side and a transformation's inner issues point at
      // the real problem; the predicate itself is described by its AST.
      if (issue._tag === "Refinement" && issue.kind === "Predicate") {
        out.push({ path, expected: `expected ${String(issue.ast)}` })
        return
      }
      collect(issue.issue, path, out)
      return
    case "Missing":
      out.push({ path, expected: "is missing" })
      return
    case "Unexpected":
      out.push({ path, expected: "is not allowed here" })
      return
    case "Forbidden":
      out.push({ path, expected: "could not be checked synchronously" })
      return
    case "Type":
      out.push({ path, expected: `expected ${String(issue.ast)}` })
      return
  }
}

export const mismatch = (operation: "encode" | "decode", error: ParseResult.ParseError): SchemaMismatchError => {
  const issues: Array<Issue> = []
  collect(error.issue, [], issues)
  return new SchemaMismatchError({ operation, issues })
}
