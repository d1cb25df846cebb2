// One way for every form to show what is wrong: checks before sending and the server's errors
// (extensions.code / extensions.field) placed next to the field they are about, else above the form.
import { nextTick, reactive, watch } from 'vue'
import { codeOf, messageOf, ApiError } from './api'

export interface FormErrorOptions {
  /** the form's fields: name (as the API calls it, camelCase) → id of the input it belongs next to */
  fields: Record<string, string>
  /** other names the server may use for a field (e.g. "org" → "organization") */
  aliases?: Record<string, string>
  /** error codes that concern one field although the server names none (e.g. WEAK_PASSWORD → password) */
  codes?: Record<string, string>
  /** the current values by field name: a field's message goes away once its value is changed */
  values?: () => Record<string, unknown>
}

const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())

export function useFormErrors(options: FormErrorOptions) {
  const state = reactive({
    fields: {} as Record<string, string>,
    /** an error that belongs to no single field */
    general: '',
    /** the server refused a save because someone else saved first */
    conflict: false,
  })

  /** The form field a server error is about, if the form has it. */
  function fieldOf(err: unknown): string | undefined {
    const raw = err instanceof ApiError ? err.field : undefined
    const code = codeOf(err)
    // "articles.2.title": the form may have the article's own input, or only the list as a whole
    const candidates = raw ? [raw, camel(raw), camel(raw.split('.').pop() ?? raw), camel(raw.split('.')[0])] : []
    for (const name of candidates) {
      const known = options.aliases?.[name] ?? name
      if (known in options.fields) return known
    }
    if (code && options.codes?.[code]) return options.codes[code]
    return undefined
  }

  if (options.values) {
    const snapshot = () => Object.fromEntries(Object.entries(options.values!()).map(([k, v]) => [k, JSON.stringify(v)]))
    watch(snapshot, (now, before) => {
      const stale = Object.keys(state.fields).filter((f) => now[f] !== before[f])
      if (stale.length) state.fields = Object.fromEntries(Object.entries(state.fields).filter(([f]) => !stale.includes(f)))
    })
  }

  function focus(field: string) {
    void nextTick(() => document.getElementById(options.fields[field])?.focus())
  }

  return Object.assign(state, {
    clear() {
      state.fields = {}
      state.general = ''
      state.conflict = false
    },
    /** Records a problem found before sending; returns false so callers can `return errors.set(...)`. */
    set(field: string, message: string): false {
      state.fields = { ...state.fields, [field]: message }
      if (Object.keys(state.fields).length === 1) focus(field)
      return false
    },
    /** True when nothing was recorded by `set` since the last `clear`. */
    ok(): boolean {
      return Object.keys(state.fields).length === 0
    },
    /** Places an error from the server: next to its field, as a conflict, or above the form. */
    fail(err: unknown) {
      if (codeOf(err) === 'CONFLICT') {
        state.conflict = true
        return
      }
      const field = fieldOf(err)
      if (field) {
        state.fields = { ...state.fields, [field]: messageOf(err) }
        focus(field)
      } else {
        state.general = messageOf(err)
      }
    },
    /** id of the input a field belongs next to */
    idOf(field: string): string {
      return options.fields[field] ?? field
    },
    /** aria attributes for an input: marks it invalid and points to its message. */
    aria(field: string): Record<string, string> {
      return state.fields[field] ? { 'aria-invalid': 'true', 'aria-describedby': `${options.fields[field]}-error` } : {}
    },
  })
}

export type FormErrors = ReturnType<typeof useFormErrors>
