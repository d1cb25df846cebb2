import { terminal } from './terminal'

/**
 * Visit statistics: what happens on the terminal (an item viewed, printed, its QR code shown; a search)
 * is queued and sent in batches to the anonymous `recordReadingRoomVisits` mutation, which keeps counts
 * per terminal and day only. Nothing about the visitor is sent. Offline, the queue waits (bounded: the
 * oldest events go first) and is sent when the network returns; a batch the server refuses is dropped.
 */
export type VisitEvent = 'ITEM_VIEWED' | 'SEARCHED' | 'PRINTED' | 'QR_SHOWN'
interface Visit {
  event: VisitEvent
  item?: string
  query?: string
}

const FLUSH_MS = 30_000
const BATCH = 50 // the server's limit per batch
const KEPT = 500
const RECORD = `mutation RecordReadingRoomVisits($terminal: String, $events: [ReadingRoomEventInput!]!) {
  recordReadingRoomVisits(terminal: $terminal, events: $events)
}`

const queue: Visit[] = []
let sending = false

export function track(event: VisitEvent, subject: { item?: string; query?: string }): void {
  const query = subject.query?.trim().slice(0, 50)
  if (subject.query !== undefined && !query) return
  queue.push({ event, ...(subject.item ? { item: subject.item } : {}), ...(query ? { query } : {}) })
  queue.splice(0, Math.max(0, queue.length - KEPT))
  if (queue.length >= BATCH) void flush()
}

export async function flush(keepalive = false): Promise<void> {
  if (sending || !queue.length || !terminal.config) return
  sending = true
  const events = queue.slice(0, BATCH)
  try {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: RECORD, variables: { terminal: terminal.config.terminal, events } }),
      keepalive, // on pagehide: the request outlives the page (a kiosk reloading)
    })
    // sent, or refused for good (bad input, a flood): either way these events are done
    if (response.status < 500) queue.splice(0, events.length)
  } catch {
    // offline: keep them for the next attempt
  } finally {
    sending = false
  }
}

setInterval(() => void flush(), FLUSH_MS)
addEventListener('online', () => void flush())
addEventListener('pagehide', () => void flush(true))
