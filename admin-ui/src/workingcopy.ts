// A published item's outstanding working copy, from the item's own `workingCopy` field (staff who may see
// the organization's unpublished items get it; everyone else null), and the global IDs the server makes.
import { labelOf } from './labels'

export interface WorkingCopyField {
  id: string
  checkedOutBy: string | null
  checkedOutAt: string | null
  reviewState: string
}

export interface WorkingCopyInfo {
  id: string
  holder: string
  since: string
  reviewState: string
  reviewStateLabel: string
}


/** The global ID the server gives a stored object id (base64url of "Type:id", unpadded). */
export function globalId(type: string, objectId: string): string {
  return btoa(`${type}:${objectId}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function workingCopyOf(item: { reviewState: string; workingCopyOf: string | null; workingCopy?: WorkingCopyField | null }): WorkingCopyInfo | null {
  const copy = item.reviewState === 'PUBLISHED' && !item.workingCopyOf ? item.workingCopy : null
  if (!copy) return null
  return {
    id: copy.id,
    holder: copy.checkedOutBy ?? '',
    since: copy.checkedOutAt ?? '',
    reviewState: copy.reviewState,
    reviewStateLabel: labelOf('reviewStates', copy.reviewState),
  }
}
