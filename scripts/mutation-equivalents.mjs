/**
 * The mutants of the core that no test can kill because they do not change
 * what the code does (equivalent mutants), each marked ignored with the reason,
 * from here rather than with `// Stryker disable` comments in src/.
 *
 * An entry names a file, the one line of it that holds `code` (matched as text,
 * so that it follows the line when code above it moves; with `after`, the first
 * such line after the one line holding `after`), the mutators whose mutants on
 * that line are equivalent, the replacements they make (as Stryker's report
 * spells them), and why. Stryker ignores by line and mutator, so after a run
 * scripts/mutation.mjs checks that an entry ignored those replacements and no
 * others: an entry never hides a mutant a test could kill. The plugin below turns each
 * entry into the comment Stryker itself reads, `Stryker disable next-line
 * <mutators>: <reason>`, attached to that line in Stryker's copy of the file
 * (src/ is not touched). An entry whose `code` is no longer found on exactly one
 * line fails the run: a stale entry must be looked at again, not kept quietly.
 *
 * Keep this list short. A mutant belongs here only when the mutated program
 * behaves the same for every input; a mutant that is merely hard to reach
 * needs a test.
 */
import { readFileSync } from "node:fs"
import { declareValuePlugin, PluginKind } from "@stryker-mutator/api/plugin"

/**
 * @type {ReadonlyArray<{ file: string, code: string, after?: string, mutators: ReadonlyArray<string>, replacements: ReadonlyArray<string>, reason: string }>}
 */
export const equivalents = [
  // src/promise/index.ts
  {
    file: "src/promise/index.ts",
    code: "names: () => cookieJar.names?.() ?? [],",
    mutators: ["ArrowFunction", "LogicalOperator", "OptionalChaining", "ArrayDeclaration"],
    replacements: ["() => undefined", "cookieJar.names?.() && []", "cookieJar.names()", '["Stryker was here"]'],
    reason:
      "the names of a hand-written jar are never asked for: the session engine probes chunks by name and never lists cookies (only CookieStore.names does, which the facade does not use), so this function is dead code in the facade.",
  },
  {
    file: "src/promise/index.ts",
    code: 'policy: "reset",',
    mutators: ["StringLiteral"],
    replacements: ['""'],
    reason:
      "the policy is read only by the Effect driver (internal.make), which the facade never builds: createSession opens the cookie itself and always resets to {}.",
  },
  {
    file: "src/promise/index.ts",
    code: "spans: false,",
    mutators: ["BooleanLiteral"],
    replacements: ["true"],
    reason: "spans are made only by the Effect driver (internal.make), which the facade never builds.",
  },
  // src/internal/kernel/session.ts
  {
    file: "src/internal/kernel/session.ts",
    code: "export const identity: Codec<unknown> = {",
    mutators: ["ObjectLiteral"],
    replacements: ["{}"],
    reason:
      "identity is only the facade's codec, and the facade never calls a codec: it reads and writes through openCookie and writeSealed with the data as it is; only the Effect driver (make) calls one, and Session.make always gives it a schema's.",
  },
  {
    file: "src/internal/kernel/session.ts",
    code: "{ discard: true },",
    mutators: ["ObjectLiteral", "BooleanLiteral"],
    replacements: ["{}", "false"],
    reason:
      "the Effect.all in rejected is the left side of a zipRight, whose result is dropped: collecting its results in an array instead of discarding them changes nothing anyone sees.",
  },
  {
    file: "src/internal/kernel/session.ts",
    code: "if (now !== undefined) {",
    mutators: ["BlockStatement"],
    replacements: ["{}"],
    reason:
      "the synchronous decoding in decoded is a fast path: without it the same data goes through codec.decode, the Effect form of the same schema, which gives the same value or the same SchemaMismatchError, and then the same revocation check.",
  },
  {
    file: "src/internal/kernel/session.ts",
    code: "if (Exit.isExit(reading)) {",
    mutators: ["BlockStatement"],
    replacements: ["{}"],
    reason:
      "keeping a read decided at once as state.read is a fast path: without it the same Exit goes through the Deferred path below, which records the same outcome in state.read and hands it to every reader.",
  },
  {
    file: "src/internal/kernel/session.ts",
    code: "if (encoded !== undefined) {",
    mutators: ["BlockStatement"],
    replacements: ["{}"],
    reason:
      "the synchronous encoding in write is a fast path: without it the value goes through codec.encode (the Effect form of the same schema, the same SchemaMismatchError) and writeSealed under iron.attempt, which sorts its errors with the same isSaveError as the catch here.",
  },
  {
    file: "src/internal/kernel/session.ts",
    code: "if (!isPromise(done)) {",
    mutators: ["BlockStatement"],
    replacements: ["{}"],
    reason:
      "recording a synchronous write at once is a fast path: without it the byte count goes through iron.attempt, which succeeds with a value that is not a Promise as it is, and the same wrote records it.",
  },
  {
    file: "src/internal/kernel/session.ts",
    code: "if (lifecycle?.refresh === undefined || record === undefined || Option.isNone(value)) return Exit.void",
    mutators: ["OptionalChaining"],
    replacements: ["lifecycle.refresh"],
    reason:
      "refreshed runs only as readOnce's tap, which is added only when lifecycle?.refresh is set: lifecycle is never undefined here.",
  },
  // src/internal/kernel/iron.ts
  // isDataError became isTagged(...) in main: its mutants are now the three tag names.
  ...["BadSealError", "SealExpiredError", "UnserializableDataError"].map((tag) => ({
    file: "src/internal/kernel/iron.ts",
    after: "export const isDataError = ",
    code: `"${tag}",`,
    mutators: ["StringLiteral"],
    replacements: ['""'],
    reason: `isDataError is exported by iron.ts and imported nowhere: dead code, so no mutant of its tag ${tag} can make anything behave differently.`,
  })),
  {
    file: "src/internal/kernel/iron.ts",
    code: 'return { sealId: "1", sealSecret: secret, secrets: new Map([["1", secret]]), single: true }',
    mutators: ["ArrayDeclaration"],
    replacements: ["[]"],
    reason:
      "a single password's keyring is read through sealSecret only (secretFor answers sealSecret when single is true), so what its secrets map holds is never looked at.",
  },
  // src/internal/kernel/crypto/node.ts
  {
    file: "src/internal/kernel/crypto/node.ts",
    after: "const getBuiltin = ",
    code: "} catch {",
    mutators: ["BlockStatement"],
    replacements: ["{}"],
    reason:
      "getBuiltin returns undefined when getBuiltinModule throws; an empty catch block makes the function end, which returns undefined too.",
  },
  {
    file: "src/internal/kernel/crypto/node.ts",
    code: "return process?.getBuiltinModule?.(id)",
    mutators: ["OptionalChaining"],
    replacements: ["process?.getBuiltinModule(id)", "process.getBuiltinModule"],
    reason:
      "the call sits in a try whose catch answers undefined: without ?. a missing process or getBuiltinModule throws a TypeError there, which is caught and answered undefined, as ?. would.",
  },
  {
    file: "src/internal/kernel/crypto/node.ts",
    code: 'cipher.update(text, "utf8")',
    mutators: ["StringLiteral"],
    replacements: ['""'],
    reason: 'Node reads an empty encoding name as UTF-8: cipher.update(text, "") encrypts the same bytes.',
  },
]

const byFile = (filename) => equivalents.filter((entry) => filename.replaceAll("\\", "/").endsWith(`/${entry.file}`))

const linesHolding = (lines, text, from = 0) =>
  lines.flatMap((line, index) => (index >= from && line.includes(text) ? [index] : []))

/** The 1-based line an entry names; throws when the file no longer has it exactly once. */
const lineOf = (source, entry) => {
  const lines = source.split("\n")
  const stale = (what, count) =>
    new Error(
      `scripts/mutation-equivalents.mjs: ${JSON.stringify(what)} is on ${count} lines of ${entry.file}, not one. Look at the entry again.`,
    )
  let from = 0
  if (entry.after !== undefined) {
    const anchors = linesHolding(lines, entry.after)
    if (anchors.length !== 1) throw stale(entry.after, anchors.length)
    from = anchors[0] + 1
  }
  const found = linesHolding(lines, entry.code, from)
  if (found.length === 0 || (entry.after === undefined && found.length !== 1)) throw stale(entry.code, found.length)
  return found[0] + 1
}

/** Attaches a block comment to the first node (in source order) that starts on `line`. */
const annotate = (program, line, text) => {
  let done = false
  program.traverse({
    enter(path) {
      if (done || path.node.loc?.start.line !== line) return
      path.node.leadingComments = [...(path.node.leadingComments ?? []), { type: "CommentBlock", value: ` ${text} ` }]
      done = true
      path.stop()
    },
  })
  return done
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, "equivalent-mutants", {
    shouldIgnore(path) {
      if (!path.isProgram()) return undefined
      const filename = path.hub?.file?.opts?.filename ?? ""
      const entries = byFile(filename)
      if (entries.length === 0) return undefined
      const source = readFileSync(filename, "utf8")
      for (const entry of entries) {
        if (entry.reason.includes("*/")) throw new Error(`the reason of ${JSON.stringify(entry.code)} contains */`)
        const line = lineOf(source, entry)
        if (!annotate(path, line, `Stryker disable next-line ${entry.mutators.join(",")}: ${entry.reason}`)) {
          throw new Error(`scripts/mutation-equivalents.mjs: no node starts on ${entry.file}:${line}`)
        }
      }
      return undefined
    },
  }),
]
