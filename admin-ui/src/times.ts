// Times shown to staff are Beijing time (Asia/Shanghai), whatever the browser's own zone: the server
// sends instants in UTC, and slicing an ISO string would show UTC.
export const STAFF_TIME_ZONE = 'Asia/Shanghai'

const dateTime = new Intl.DateTimeFormat('zh-CN', {
  timeZone: STAFF_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
})

/** "2026-12-06 09:30:00" in Beijing time; empty for no instant. */
export function staffTime(iso: string | null | undefined): string {
  if (!iso) return ''
  const parts = Object.fromEntries(dateTime.formatToParts(new Date(iso)).map((p) => [p.type, p.value]))
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`
}

/** The current year in Beijing (the calendar's default year; it turns at Beijing midnight). */
export function staffYear(now: Date = new Date()): number {
  return Number(new Intl.DateTimeFormat('en', { timeZone: STAFF_TIME_ZONE, year: 'numeric' }).format(now))
}

/** A day picked in a form as the start of that day in Beijing, for DateTime filters. */
export const dayStart = (day: string) => `${day}T00:00:00+08:00`
