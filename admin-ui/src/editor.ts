// What every content editor shares: load the item (with what the server says the caller may do to it now:
// `editable`, `allowedActions`), save (create, or update with the version the editor saw), and place
// errors (a CONFLICT offers 重新加载); working copies of published items (签出 / 签入 / 取消签出) and
// attachments (upload with progress, remove). Each editor supplies its form, its operations and its
// fields; components/EditorShell.vue shows the rest.
import { computed, nextTick, onMounted, ref, watch, type Ref } from 'vue'
import { useRouter } from 'vue-router'
import { gql, type Operation } from './api'
import type { ReviewAction } from './generated/graphql'
import { CANCEL_CHECKOUT, CHECKIN, CHECKOUT, REMOVE_ATTACHMENT } from './graphql/operations'
import { useFormErrors, type FormErrorOptions } from './forms'
import { orgOptionsAmong, type OrgOption } from './orgs'
import { defaultOrg, session } from './session'
import { uploadAttachment } from './upload'
import { workingCopyOf, type WorkingCopyField } from './workingcopy'

export interface AttachmentRow {
  id: string
  filename: string
  size: number | null
  url: string
}

export interface Editable {
  id: string
  version: number
  reviewState: string
  reviewStateLabel: string
  workingCopyOf: string | null
  /** the caller may save it now (the server's rule: state and permission) */
  editable: boolean
  /** what the caller may do to it now (transitions and working-copy actions) */
  allowedActions: ReviewAction[]
  organization: { id: string; name: string }
  attachments: AttachmentRow[]
  /** on a published item, its outstanding working copy */
  workingCopy: WorkingCopyField | null
}

/** An editor's own typed document: the editor code is shared by every content type, so it reads the answer
 * through the type parameter T rather than the document's own result type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOperation = Operation<any, any>

export interface EditorSpec<T extends Editable> {
  /** route prefix, e.g. "/gazette": a created item opens at `${base}/${id}` */
  base: string
  id: Ref<string | undefined>
  errors: FormErrorOptions
  /** loads what the form needs before the item (vocabularies, pickers); the form shows once both are there */
  prepare?(): Promise<void>
  /** the item's query (`node(id: $id) { ... on Type { …Fields } }`) and its create and update mutations, each
   * answering the item with the same fields */
  operations: { query: AnyOperation; create: AnyOperation; update: AnyOperation }
  /** a field only this type has, telling the item from another type's node */
  has: string
  /** the input the mutations take, from the form */
  input(creating: boolean): object
  fill(item: T): void
  /** checks before sending; record problems with errors.set */
  validate(errors: ReturnType<typeof useFormErrors>): void
}

/** The form's values with the named fields' blanks ('' or undefined) sent as null (“not given”). */
export function blanksAsNull<T extends object, K extends keyof T>(values: T, ...keys: K[]): Omit<T, K> & { [P in K]: T[P] | null } {
  return { ...values, ...Object.fromEntries(keys.map((k) => [k, values[k] || null])) }
}

/** The one field a mutation answers with (`createGazetteIssue { … }`). */
const answer = <T>(data: Record<string, T>): T => Object.values(data)[0]

export function useEditor<T extends Editable>(spec: EditorSpec<T>) {
  const router = useRouter()
  const item = ref<T | null>(null) as Ref<T | null>
  const orgs = ref<OrgOption[]>([])
  const organization = ref('')
  const saved = ref('')
  const busy = ref(false)
  const loading = ref(false)
  const ready = ref(false)
  const errors = useFormErrors(spec.errors)

  /** the published item's working copy, if it has one */
  const copy = computed(() => (item.value ? workingCopyOf(item.value) : null))

  /** whether the server offers `action` on the item to the caller now */
  const allows = (action: ReviewAction) => !!item.value?.allowedActions.includes(action)
  const editable = computed(() => !item.value || item.value.editable)
  const isCopy = computed(() => !!item.value?.workingCopyOf)
  const isPublished = computed(() => item.value?.reviewState === 'PUBLISHED' && !isCopy.value)

  function show(found: T) {
    item.value = found
    organization.value = found.organization.id
    spec.fill(found)
  }

  async function read(id: string): Promise<T | null> {
    const node = (await gql<{ node: Record<string, unknown> | null }, { id: string }>(spec.operations.query, { id })).node
    return node && spec.has in node ? (node as unknown as T) : null
  }

  async function load() {
    errors.clear()
    const id = spec.id.value
    if (!id) {
      item.value = null
      return
    }
    loading.value = true
    try {
      const found = await read(id)
      if (!found) {
        errors.general = '未找到该内容，或您无权查看。'
        return
      }
      show(found)
    } catch (err) {
      errors.fail(err)
    } finally {
      loading.value = false
    }
  }

  async function save() {
    errors.clear()
    saved.value = ''
    if (!item.value && !organization.value) errors.set('organization', '请选择发布机构。')
    spec.validate(errors)
    if (!errors.ok()) return
    busy.value = true
    try {
      if (!item.value) {
        const created = answer(
          await gql<Record<string, T>, Record<string, unknown>>(spec.operations.create, { input: { ...spec.input(true), organization: organization.value } }),
        )
        show(created)
        saved.value = '已保存为草稿。'
        await router.replace(`${spec.base}/${created.id}`)
      } else {
        const updated = answer(
          await gql<Record<string, T>, Record<string, unknown>>(spec.operations.update, { id: item.value.id, expectedVersion: item.value.version, input: spec.input(false) }),
        )
        show(updated)
        saved.value = `已保存（第 ${updated.version} 版）。`
      }
    } catch (err) {
      errors.fail(err)
    } finally {
      busy.value = false
    }
  }

  /** Runs a working-copy action with the editor busy and its errors placed; false when it failed. */
  async function act(action: () => Promise<void>): Promise<boolean> {
    if (!item.value) return false
    errors.clear()
    saved.value = ''
    busy.value = true
    try {
      await action()
      return true
    } catch (err) {
      errors.fail(err)
      return false
    } finally {
      busy.value = false
    }
  }

  /** Opens another version of the item (a working copy, or the live item) with a message above it. */
  async function open(id: string, message: string) {
    await router.push(`${spec.base}/${id}`)
    saved.value = message
  }

  const checkout = () =>
    act(async () => {
      const c = await gql(CHECKOUT, { id: item.value!.id })
      await open(c.checkout.id, '已签出工作副本。修改工作副本不影响已发布的版本。')
    })

  const checkin = (opinion: string) =>
    act(async () => {
      const r = await gql(CHECKIN, {
        id: item.value!.id,
        expectedVersion: item.value!.version,
        opinion,
      })
      await load()
      saved.value = `已签入，工作副本进入审核（${r.checkin.reviewStateLabel}）。审发后将替换已发布的版本。`
    })

  const cancelCheckout = () =>
    act(async () => {
      const live = await gql(CANCEL_CHECKOUT, { id: item.value!.id })
      await open(live.cancelCheckout.id, '已取消签出，工作副本已删除。')
    })

  /** Re-reads the attachments only (they do not change the version), so what is typed in the form stays. */
  async function refreshAttachments() {
    if (!item.value) return
    const found = await read(item.value.id)
    if (found && item.value) item.value = { ...item.value, attachments: found.attachments }
  }

  async function upload(file: File, onProgress: (percent: number) => void) {
    if (!item.value) return
    await uploadAttachment(item.value.id, file, onProgress)
    await refreshAttachments()
  }

  async function removeAttachment(id: string) {
    await gql(REMOVE_ATTACHMENT, { id })
    await refreshAttachments()
  }

  onMounted(async () => {
    try {
      await spec.prepare?.()
      orgs.value = await orgOptionsAmong(session.me?.create ?? [])
      organization.value = defaultOrg(orgs.value.map((o) => o.id)) ?? ''
    } catch (err) {
      errors.fail(err)
    }
    await load()
    ready.value = true
  })
  watch(spec.id, load)

  return {
    base: spec.base,
    item,
    orgs,
    organization,
    saved,
    busy,
    loading,
    ready,
    errors,
    copy,
    allows,
    editable,
    isCopy,
    isPublished,
    load,
    save,
    open,
    checkout,
    checkin,
    cancelCheckout,
    upload,
    removeAttachment,
  }
}

/** What the shared editor components (EditorShell, WorkingCopyActions, AttachmentsPanel) are given. */
export type Editor = ReturnType<typeof useEditor<Editable>>

/** Moves an entry of an ordered list up (-1) or down (+1) and keeps the keyboard focus on the moved
 * entry's button with the same direction (ids `${prefix}-${index}-up|down`). */
export function move<T>(list: Ref<T[]>, index: number, by: -1 | 1, prefix: string): void {
  const target = index + by
  if (target < 0 || target >= list.value.length) return
  const next = [...list.value]
  ;[next[index], next[target]] = [next[target], next[index]]
  list.value = next
  void nextTick(() => {
    const same = document.getElementById(`${prefix}-${target}-${by < 0 ? 'up' : 'down'}`) as HTMLButtonElement | null
    const other = document.getElementById(`${prefix}-${target}-${by < 0 ? 'down' : 'up'}`)
    ;(same && !same.disabled ? same : other)?.focus()
  })
}
