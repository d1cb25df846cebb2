// The Chinese names of API codes, as the server gives them (the `labels` query): the app copies no label
// tables. Loaded once at start (the query is public); views read them reactively, so a name appears as soon
// as the answer is in, and a code the server has no name for shows as itself.
import { reactive } from 'vue'
import { gql } from './api'
import type { LabelsQuery } from './generated/graphql'
import { LABELS } from './graphql/operations'

export type LabelKind = keyof LabelsQuery['labels']
export interface Label {
  value: string
  label: string
}

const KINDS: LabelKind[] = [
  'reviewStates', 'validities', 'disclosureModes', 'privacyGrounds', 'orgLevels', 'orgKinds', 'interpretationKinds',
  'interviewKinds', 'eventKinds', 'leaderLevels', 'reviewActions', 'registerActions', 'contentTypes', 'permissions', 'versionFields',
  'auditActions', 'auditTargetTypes',
  // 依申请公开 (#18)
  'applicantKinds', 'requestChannels', 'requestForms', 'requestDeliveries', 'requestStates', 'requestOutcomes',
  'requestGrounds', 'requestActions', 'remedyKinds', 'remedyCaseKinds', 'remedyResults', 'feeMethods',
  // 推送地址 (#16)
  'publicChangeEvents',
]
export const labels = reactive(Object.fromEntries(KINDS.map((k) => [k, [] as Label[]])) as Record<LabelKind, Label[]>)

let loading: Promise<void> | null = null

export function loadLabels(): Promise<void> {
  loading ??= gql(LABELS, {}, { anonymous: true }).then(
    (data) => void Object.assign(labels, data.labels),
    (err: unknown) => {
      loading = null // try again next time
      throw err
    },
  )
  return loading
}

/** The name of `value` among `kind` (an enum value as the API spells it, or a stored code). */
export function labelOf(kind: LabelKind, value: string): string {
  return labels[kind].find((l) => l.value === value)?.label ?? value
}

/** A stored enum value (`on_request`) by its API name (`ON_REQUEST`). */
export function storedLabelOf(kind: LabelKind, stored: string): string | undefined {
  return labels[kind].find((l) => l.value.toLowerCase() === stored)?.label
}

/** A permission string as review tiers carry it (`review.first`), by its Permission enum name. */
export const permissionName = (permission: string) => permission.toUpperCase().replace(/\./g, '_')
