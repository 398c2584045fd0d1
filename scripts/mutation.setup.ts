/**
 * Setup for the tests Stryker runs (vitest.mutation.config.ts): property tests
 * draw their cases from one fixed seed, so that a mutant is killed, or not, by
 * the same cases on every run, and a rare counterexample cannot fail Stryker's
 * initial run on one day and not the next. `npm test` keeps drawing new ones.
 */
import fc from "fast-check"

fc.configureGlobal({ seed: 14 })
