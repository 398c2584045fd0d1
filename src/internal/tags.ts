/**
 * Recognising the library's errors by their `_tag`, not by `instanceof`.
 *
 * An app can hold more than one copy of this library: Next.js bundles Route
 * Handlers apart from pages, each with its own copy, and a layer built by one
 * copy then meets a `CookieStore` made by another. The error classes of two
 * copies are different classes with the same tags, so a check by class would
 * turn the other copy's typed failure into a defect.
 *
 * @internal
 */
export const isTagged =
  <E extends { readonly _tag: string }>(...tags: ReadonlyArray<E["_tag"]>) =>
  (u: unknown): u is E =>
    u instanceof Error && tags.includes((u as { readonly _tag?: unknown })._tag as E["_tag"])
