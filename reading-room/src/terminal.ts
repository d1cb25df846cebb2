import { reactive } from 'vue'
import { noteSnapshot, query } from './api'

/** The terminal's settings (served by /reading-room/terminal.json) and the organization it shows. */
export interface TerminalConfig {
  terminal: string | null
  organization: string | null
  name: string
  idleSeconds: number
  portalUrlTemplate: string | null
}

export interface Org {
  id: string
  name: string
}

export const terminal = reactive({
  config: null as TerminalConfig | null,
  org: null as Org | null,
  // the subtree root is configured: lists of interpretations and interviews are that organization's subtree's
  configured: false,
  elder: false,
  error: '',
})

const STORAGE_KEY = 'gongkai-reading-room-terminal'

/** The terminal id: from ?terminal=ID at start, kept for reloads (the kiosk may reload any page). */
function terminalId(): string | null {
  const fromUrl = new URLSearchParams(location.search).get('terminal')
  if (fromUrl) sessionStorage.setItem(STORAGE_KEY, fromUrl)
  return fromUrl ?? sessionStorage.getItem(STORAGE_KEY)
}

const ORG_BY_KEY = `query ReadingRoomOrg($key: String!) { organization(key: $key) { id name } }`
const ROOT = `query ReadingRoomRoot { organizations { id name } }`

export async function loadTerminal(): Promise<void> {
  const id = terminalId()
  const url = `${import.meta.env.BASE_URL}terminal.json${id ? `?terminal=${encodeURIComponent(id)}` : ''}`
  try {
    const response = await fetch(url, { headers: { accept: 'application/json' } })
    noteSnapshot(response)
    const config = (await response.json()) as TerminalConfig
    let org: Org | null = null
    if (config.organization) {
      org = (await query<{ organization: Org | null }>(ORG_BY_KEY, { key: config.organization })).organization
    }
    terminal.configured = org !== null
    org ??= (await query<{ organizations: Org[] }>(ROOT)).organizations[0] ?? null
    terminal.config = config
    terminal.org = org
    terminal.error = ''
  } catch {
    terminal.error = '暂时无法连接服务器，正在重试……'
    setTimeout(() => void loadTerminal(), 10_000)
  }
}

export function setElder(on: boolean): void {
  terminal.elder = on
  document.documentElement.classList.toggle('elder', on)
}
