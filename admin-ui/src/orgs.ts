// Organization options for pickers: the tree from the root(s) down two levels, indented by depth.
import { gql } from './api'
import { ORGANIZATION, ORGANIZATIONS } from './graphql/operations'
import type {
  OrganizationQuery,
  OrganizationQueryVariables,
  OrganizationsQuery,
  OrganizationsQueryVariables,
} from './generated/graphql'

export interface OrgOption {
  id: string
  name: string
  label: string
}

let cached: Promise<OrgOption[]> | null = null

export function orgOptions(): Promise<OrgOption[]> {
  cached ??= (async () => {
    const roots = (await gql<OrganizationsQuery, OrganizationsQueryVariables>(ORGANIZATIONS, {})).organizations
    const out: OrgOption[] = []
    for (const root of roots) {
      const tree = (await gql<OrganizationQuery, OrganizationQueryVariables>(ORGANIZATION, { id: root.id })).organization
      out.push({ id: root.id, name: root.name, label: root.name })
      for (const child of tree?.children ?? []) {
        out.push({ id: child.id, name: child.name, label: `　${child.name}` })
        for (const grand of child.children) out.push({ id: grand.id, name: grand.name, label: `　　${grand.name}` })
      }
    }
    return out
  })().catch((err) => {
    cached = null
    throw err
  })
  return cached
}

/** Options limited to the given ids (e.g. from `organizationsWith`), in tree order. */
export async function orgOptionsAmong(ids: string[]): Promise<OrgOption[]> {
  const allowed = new Set(ids)
  const all = await orgOptions()
  const inTree = all.filter((o) => allowed.has(o.id))
  // organizations deeper than the tree shown here are still offered, by id
  const missing = ids.filter((id) => !all.some((o) => o.id === id))
  return [...inTree, ...missing.map((id) => ({ id, name: id, label: id }))]
}
