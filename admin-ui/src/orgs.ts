// The organization tree, to any depth: one request per root fetches five levels; deeper branches are
// fetched from where the first request stopped. Pickers show it flattened and indented by depth.
import { gql } from './api'
import { ORGANIZATIONS, ORG_SUBTREE } from './graphql/operations'
import type { OrgFieldsFragment } from './generated/graphql'

export interface OrgNode extends OrgFieldsFragment {
  parentId: string | null
  depth: number
  children: OrgNode[]
}

export interface OrgOption {
  id: string
  name: string
  label: string
}

/** What ORG_SUBTREE returns at each level: the fields, and children unless the query stopped there. */
type Raw = OrgFieldsFragment & { children?: Raw[] }
/** The last level of ORG_SUBTREE only says whether there are children (their ids). */
const stoppedAbove = (raw: Raw) => raw.children?.some((c) => !('name' in c)) ?? false

async function subtree(id: string, parentId: string | null, depth: number): Promise<OrgNode | null> {
  const raw = (await gql(ORG_SUBTREE, { id })).organization as Raw | null
  return raw ? build(raw, parentId, depth) : null
}

async function build(raw: Raw, parentId: string | null, depth: number): Promise<OrgNode> {
  const { children, ...fields } = raw
  const node: OrgNode = { ...fields, parentId, depth, children: [] }
  if (stoppedAbove(raw)) {
    const deeper = await Promise.all((children ?? []).map((c) => subtree(c.id, node.id, depth + 1)))
    node.children = deeper.filter((c): c is OrgNode => c !== null)
  } else {
    node.children = await Promise.all((children ?? []).map((c) => build(c, node.id, depth + 1)))
  }
  return node
}

let cached: Promise<OrgNode[]> | null = null

/** The whole tree the user can see, from the root(s) down. */
export function orgTree(): Promise<OrgNode[]> {
  cached ??= (async () => {
    const roots = (await gql(ORGANIZATIONS, {})).organizations
    const trees = await Promise.all(roots.map((r) => subtree(r.id, null, 0)))
    return trees.filter((t): t is OrgNode => t !== null)
  })().catch((err) => {
    cached = null
    throw err
  })
  return cached
}

/** Forget the cached tree (after an organization was created or changed). */
export function invalidateOrgs(): void {
  cached = null
}

export function flatten(nodes: OrgNode[]): OrgNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)])
}

export async function orgOptions(): Promise<OrgOption[]> {
  return flatten(await orgTree()).map((n) => ({ id: n.id, name: n.name, label: `${'　'.repeat(n.depth)}${n.name}` }))
}

/** Options limited to the given ids (e.g. from `organizationsWith`), in tree order. */
export async function orgOptionsAmong(ids: string[]): Promise<OrgOption[]> {
  const allowed = new Set(ids)
  const all = await orgOptions()
  const inTree = all.filter((o) => allowed.has(o.id))
  const missing = ids.filter((id) => !all.some((o) => o.id === id)) // not expected: the tree is complete
  return [...inTree, ...missing.map((id) => ({ id, name: id, label: id }))]
}

/** Names by id, for showing organizations that come only as ids. */
export async function orgNames(): Promise<Map<string, string>> {
  return new Map(flatten(await orgTree()).map((n) => [n.id, n.name]))
}
