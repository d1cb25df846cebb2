import { offline, query } from './api'
import { CATALOG, GAZETTE_NEWEST, GAZETTE_YEAR, HOME, gazetteYearsQuery } from './queries'
import { terminal } from './terminal'

/**
 * The terminal on an unreliable network: the service worker (sw/sw.js) keeps the app shell and every
 * read, and answers from them when the network is gone. A scheduled refresh re-reads the home screen,
 * the gazette shelf and the first page of the terminal's catalog (exactly as those screens ask, so that
 * the same answers are kept) every REFRESH_MS; the snapshot is therefore at most that old when the
 * network goes. When it returns, the terminal reloads and shows the current state.
 */
const REFRESH_MS = 10 * 60_000

export function startOffline(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return
  void navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL })
  setInterval(() => void refresh(), REFRESH_MS)
  addEventListener('online', () => {
    if (offline.since) location.reload()
  })
  // The browser may say it is online before the network answers the service worker (a reload at that
  // moment is served from the snapshot again, and nothing else would ask): while the banner shows,
  // probe the server, and reload as soon as an answer comes from the network rather than the snapshot.
  setInterval(() => void recover(), RECOVER_MS)
}

const RECOVER_MS = 3_000

async function recover(): Promise<void> {
  if (!offline.since || !navigator.onLine) return
  try {
    const probe = await fetch(`${import.meta.env.BASE_URL}terminal.json`, { cache: 'no-store' })
    if (probe.ok && !probe.headers.get('x-gongkai-snapshot')) location.reload()
  } catch {
    // still offline: the next probe tries again
  }
}

async function refresh(): Promise<void> {
  const org = terminal.org?.id
  if (!org) return
  const own = terminal.configured ? org : null
  await Promise.allSettled([
    query(HOME, { org, own }),
    query(CATALOG, { filter: { organization: org, includeSubtree: true }, after: null }),
    refreshGazette(),
  ])
}

async function refreshGazette(): Promise<void> {
  const newest = (await query<{ gazetteIssues: { edges: { node: { year: number } }[] } }>(GAZETTE_NEWEST)).gazetteIssues
    .edges[0]?.node.year
  if (newest === undefined) return
  await Promise.all([query(gazetteYearsQuery(newest)), query(GAZETTE_YEAR, { year: newest, after: null })])
}
