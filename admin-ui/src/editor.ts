// What every content editor shares: load the item and the caller's permissions in its organization,
// decide whether it may be edited, save (create, or update with the version the editor saw), and place
// errors (a CONFLICT offers 重新加载). Each editor supplies its form, its operations and its fields.
import { computed, nextTick, onMounted, ref, watch, type Ref } from 'vue'
import { useRouter } from 'vue-router'
import { gql } from './api'
import { ENTRY_PERMISSIONS } from './graphql/operations'
import type { EntryPermissionsQuery, EntryPermissionsQueryVariables } from './generated/graphql'
import { useFormErrors, type FormErrorOptions } from './forms'
import { orgOptionsAmong, type OrgOption } from './orgs'
import { defaultOrg, session } from './session'

export interface Editable {
  id: string
  version: number
  reviewState: string
  reviewStateLabel: string
  workingCopyOf: string | null
  organization: { id: string; name: string }
}

export interface EditorSpec<T extends Editable> {
  /** route prefix, e.g. "/gazette": a created item opens at `${base}/${id}` */
  base: string
  id: Ref<string | undefined>
  errors: FormErrorOptions
  load(id: string): Promise<T | null>
  fill(item: T): void
  /** checks before sending; record problems with errors.set */
  validate(errors: ReturnType<typeof useFormErrors>): void
  create(organization: string): Promise<T>
  update(item: T): Promise<T>
}

export function useEditor<T extends Editable>(spec: EditorSpec<T>) {
  const router = useRouter()
  const item = ref<T | null>(null) as Ref<T | null>
  const permissions = ref<string[]>([])
  const orgs = ref<OrgOption[]>([])
  const organization = ref('')
  const saved = ref('')
  const busy = ref(false)
  const loading = ref(false)
  const ready = ref(false)
  const errors = useFormErrors(spec.errors)

  const inEditableState = computed(() => !!item.value && ['DRAFT', 'REJECTED'].includes(item.value.reviewState))
  const editable = computed(() => !item.value || (inEditableState.value && permissions.value.includes('CONTENT_EDIT')))

  async function load() {
    errors.clear()
    const id = spec.id.value
    if (!id) {
      item.value = null
      return
    }
    loading.value = true
    try {
      const found = await spec.load(id)
      if (!found) {
        errors.general = '未找到该内容，或您无权查看。'
        return
      }
      const perms = await gql<EntryPermissionsQuery, EntryPermissionsQueryVariables>(ENTRY_PERMISSIONS, { org: found.organization.id })
      permissions.value = perms.me?.permissions ?? []
      item.value = found
      spec.fill(found)
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
        const created = await spec.create(organization.value)
        item.value = created
        spec.fill(created)
        saved.value = '已保存为草稿。'
        await router.replace(`${spec.base}/${created.id}`)
      } else {
        const updated = await spec.update(item.value)
        item.value = updated
        spec.fill(updated)
        saved.value = `已保存（第 ${updated.version} 版）。`
      }
    } catch (err) {
      errors.fail(err)
    } finally {
      busy.value = false
    }
  }

  onMounted(async () => {
    try {
      orgs.value = await orgOptionsAmong(session.me?.create ?? [])
      organization.value = defaultOrg(orgs.value.map((o) => o.id)) ?? ''
    } catch (err) {
      errors.fail(err)
    }
    await load()
    ready.value = true
  })
  watch(spec.id, load)

  return { item, permissions, orgs, organization, saved, busy, loading, ready, errors, editable, inEditableState, load, save }
}

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
