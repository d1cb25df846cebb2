// The reading-room terminal's service worker (built to /reading-room/sw.js by vite.config.ts, which
// fills in SHELL): the app shell is cached at install; GraphQL reads (persisted-query GETs), the
// terminal's configuration and attachments are fetched from the network first and kept, and served
// from what was kept only when the network fails, marked with the time they were fetched
// (x-gongkai-snapshot) so that the app shows "离线浏览，内容更新于 …". Online, nothing stale is shown:
// a withdrawn item leaves the terminal at the first read after the network returns.
const SHELL = self.__SHELL__ // the build's index.html and entry assets
const VERSION = self.__VERSION__
const SHELL_CACHE = `gongkai-rr-shell-${VERSION}`
const DATA_CACHE = 'gongkai-rr-data'
const BASE = '/reading-room/'
const MAX_DATA_ENTRIES = 400 // what was viewed, newest kept

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('gongkai-rr-shell-') && k !== SHELL_CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  )
})

/** The cache key of a GraphQL GET: without the query text (persisted queries send it only once). */
function dataKey(url) {
  const key = new URL(url)
  key.searchParams.delete('query')
  return key.href
}

async function keep(key, response) {
  if (response.status !== 200) return // partial (range) answers cannot be kept
  const body = await response.arrayBuffer()
  if (key.includes('/graphql?') && JSON.parse(new TextDecoder().decode(body)).errors) return // e.g. PERSISTED_QUERY_NOT_FOUND
  const headers = new Headers(response.headers)
  headers.set('x-gongkai-snapshot', new Date().toISOString())
  const cache = await caches.open(DATA_CACHE)
  await cache.put(key, new Response(body, { status: 200, headers }))
  const keys = await cache.keys()
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_DATA_ENTRIES))) await cache.delete(old)
}

async function networkFirst(request, key) {
  try {
    // revalidated with the server every time (ETags make that cheap): an answer from the browser's
    // HTTP cache would hide that the network is gone, and the banner with it
    const response = await fetch(request, { cache: 'no-cache' })
    if (response.ok) await keep(key, response.clone()).catch(() => {})
    return response
  } catch (err) {
    const kept = await caches.match(key, { cacheName: DATA_CACHE })
    if (kept) return kept
    throw err
  }
}

async function shellFirst(request) {
  const kept = await caches.match(request)
  if (kept) return kept
  const response = await fetch(request)
  if (response.ok) {
    const cache = await caches.open(SHELL_CACHE)
    await cache.put(request, response.clone())
  }
  return response
}

async function page(request) {
  try {
    return await fetch(request)
  } catch {
    return (await caches.match(BASE, { cacheName: SHELL_CACHE })) ?? Response.error()
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== self.location.origin) return
  if (request.mode === 'navigate' && url.pathname.startsWith(BASE)) {
    event.respondWith(page(request))
  } else if (url.pathname.startsWith(`${BASE}assets/`) || url.pathname.startsWith(`${BASE}pdfjs/`)) {
    event.respondWith(shellFirst(request)) // hashed, immutable: kept once fetched
  } else if (url.pathname === '/graphql') {
    event.respondWith(networkFirst(request, dataKey(request.url)))
  } else if (url.pathname === `${BASE}terminal.json` || url.pathname.startsWith('/files/') || url.pathname.startsWith('/thumbnails/')) {
    event.respondWith(networkFirst(request, request.url))
  }
})
