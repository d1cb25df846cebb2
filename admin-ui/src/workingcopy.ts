// Whether a published item (of any content type) has a working copy, and who checked it out. The API has
// no field for it, so this reads the item's history: the latest 签出 record names the copy
// (details.workingCopy), which exists until it is cancelled or issued.
import { gql } from './api'
import { CHECKOUTS, WORKING_COPY } from './graphql/operations'
import type { CheckoutsQuery, CheckoutsQueryVariables, WorkingCopyQuery, WorkingCopyQueryVariables } from './generated/graphql'

export interface WorkingCopyInfo {
  id: string
  holder: string
  since: string
  reviewState: string
  reviewStateLabel: string
}

const base64url = (text: string) => btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')

/** The global ID the server gives a stored object id (base64url of "Type:id", unpadded). */
export function globalId(type: string, objectId: string): string {
  return base64url(`${type}:${objectId}`)
}

/** The GraphQL type a global ID names ("GazetteIssue" for a gazette issue's id). */
export function typeOfGlobalId(id: string): string {
  const padded = id.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (id.length % 4)) % 4)
  return atob(padded).split(':')[0]
}

export async function workingCopyOf(liveId: string): Promise<WorkingCopyInfo | null> {
  const history = (await gql<CheckoutsQuery, CheckoutsQueryVariables>(CHECKOUTS, { id: liveId })).history
  const checkout = [...history.transitions].sort((a, b) => b.seq - a.seq).find((t) => t.action === 'checkout')
  const copyOid = (checkout?.details as { workingCopy?: string } | null)?.workingCopy
  if (!checkout || !copyOid) return null
  const copyId = globalId(typeOfGlobalId(liveId), copyOid)
  const node = (await gql<WorkingCopyQuery, WorkingCopyQueryVariables>(WORKING_COPY, { id: copyId })).node
  if (!node || !('workingCopyOf' in node) || node.workingCopyOf !== liveId) return null
  return { id: node.id, holder: checkout.actorName, since: checkout.at, reviewState: node.reviewState, reviewStateLabel: node.reviewStateLabel }
}
