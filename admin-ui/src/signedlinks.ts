// Staff links to files the public may not read (a draft's attachments) are signed for the reader and
// expire after a few minutes (GONGKAI_STAFF_LINK_TTL_SECONDS): a screen that stays open asks the server
// for fresh ones shortly before the first of them expires, so a link clicked later still opens.

/** When the first signed link among `urls` expires (ms since the epoch); null when none is signed. */
export function linksExpireAt(urls: string[]): number | null {
  const expiries = urls
    .map((url) => new URL(url, window.location.href).searchParams.get('e'))
    .filter((e): e is string => !!e && /^\d+$/.test(e))
    .map((e) => Number(e) * 1000)
  return expiries.length ? Math.min(...expiries) : null
}

/** Calls `refresh` `marginMs` before the first link expires; returns the cancel function. */
export function refreshBeforeExpiry(urls: string[], refresh: () => void, marginMs = 30_000): () => void {
  const expiresAt = linksExpireAt(urls)
  if (expiresAt === null) return () => {}
  const timer = window.setTimeout(refresh, Math.max(expiresAt - Date.now() - marginMs, 5_000))
  return () => window.clearTimeout(timer)
}
