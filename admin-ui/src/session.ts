// Who is signed in and what they may do: drives the menu (the server still checks every operation).
import { computed, reactive } from 'vue'
import { auth, gql, setToken } from './api'
import { LOGIN, LOGOUT, ME } from './graphql/operations'
import type { MeQuery } from './generated/graphql'

export type MeData = NonNullable<MeQuery['me']>

export const session = reactive({
  me: null as MeData | null,
  fontLarge: localStorage.getItem('gongkai.font') === 'large',
})

export async function login(username: string, password: string): Promise<void> {
  const data = await gql(LOGIN, { username, password }, { anonymous: true })
  setToken(data.login.token)
  await loadMe()
}

export async function loadMe(interactive = true): Promise<MeData | null> {
  if (!auth.token) {
    session.me = null
    return null
  }
  const data = await gql(ME, {}, { interactive })
  session.me = data.me ?? null
  return session.me
}

export async function logout(): Promise<void> {
  try {
    if (auth.token) await gql(LOGOUT, {}, { interactive: false })
  } catch {
    /* the token may already be gone */
  }
  setToken(null)
  session.me = null
}

export function setFontLarge(large: boolean): void {
  session.fontLarge = large
  localStorage.setItem('gongkai.font', large ? 'large' : 'standard')
  document.documentElement.classList.toggle('font-large', large)
}

export const can = reactive({
  create: computed(() => (session.me?.create.length ?? 0) > 0),
  viewDraft: computed(() => (session.me?.viewDraft.length ?? 0) > 0),
  register: computed(() => (session.me?.registerView.length ?? 0) > 0),
  exportRegister: computed(() => (session.me?.registerExport.length ?? 0) > 0),
  manageVocabularies: computed(() => (session.me?.vocabularyManage.length ?? 0) > 0),
  manageOrgs: computed(() => (session.me?.orgManage.length ?? 0) > 0),
  compliance: computed(() => (session.me?.complianceView.length ?? 0) > 0),
  managePeople: computed(() => (session.me?.userManage.length ?? 0) > 0),
  viewAudit: computed(() => (session.me?.auditView.length ?? 0) > 0),
  viewCalendar: computed(() => (session.me?.calendarView.length ?? 0) > 0),
  manageCalendar: computed(() => (session.me?.calendarManage.length ?? 0) > 0),
  readingRoomStatistics: computed(() => (session.me?.readingRoomStatistics.length ?? 0) > 0),
  viewReport: computed(() => (session.me?.reportView.length ?? 0) > 0),
  importCatalog: computed(() => (session.me?.catalogImport.length ?? 0) > 0),
  requests: computed(() => (session.me?.requestView.length ?? 0) > 0),
  registerRequest: computed(() => (session.me?.requestRegister.length ?? 0) > 0),
  manageWebhooks: computed(() => (session.me?.webhookManage.length ?? 0) > 0),
  manageUsers: computed(() => (session.me?.userManage.length ?? 0) + (session.me?.roleGrant.length ?? 0) > 0),
})

/** The organization a new entry belongs to by default: the user's own when allowed, else the first allowed. */
export function defaultOrg(ids: string[]): string | undefined {
  const own = session.me?.user.organization?.id
  return own && ids.includes(own) ? own : ids[0]
}
