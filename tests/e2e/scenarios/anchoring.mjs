// Names and times on the history screen (display names, Beijing time), and the register anchoring screen
// (登记簿校验): each register verified with its head hash, and the heads exported as CSV.
import fs from 'node:fs/promises'

const cells = (page, table, column) =>
  page.locator(`[data-test="${table}"] tbody tr td:nth-child(${column})`).allTextContents()

export default async function anchoring(h) {
  const title = `E2E 登记簿 ${Date.now()}`
  const page = await h.newPage()
  await h.login(page, 'demo-officer')
  await page.locator('[data-test="menu-new"]').click()
  await page.locator('#f-title').fill(title)
  await page.locator('#f-summary').fill('用于核对流转记录的显示名称与北京时间。')
  await h.saveNew(page)
  const id = decodeURIComponent(page.url().split('/').pop())
  await h.act(page, id, 'SUBMIT')
  await h.act(page, id, 'APPROVE', '初审同意。')

  await page.goto(`${h.base}/admin/history/${id}`)
  await page.locator('[data-test="transitions"] tbody tr').nth(1).waitFor()
  const history = {
    times: (await cells(page, 'transitions', 1)).map((s) => s.trim()),
    actors: (await cells(page, 'transitions', 4)).map((s) => s.trim()),
    savedAt: (await cells(page, 'versions', 2)).map((s) => s.trim()),
    savedBy: (await cells(page, 'versions', 3)).map((s) => s.trim()),
  }
  await h.shot(page, 'history-names-and-times')
  await h.logout(page)

  await h.login(page, 'demo-office')
  await page.locator('[data-test="menu-register-heads"]').click()
  await page.locator('[data-test="register-heads"] tbody tr').first().waitFor()
  const names = (await cells(page, 'register-heads', 1)).map((s) => s.trim())
  const row = names.indexOf('云南省人民政府')
  h.check(row >= 0, `root listed: ${names}`)
  const heads = {
    first: names[0],
    entries: (await cells(page, 'register-heads', 2))[row].trim(),
    verdict: (await cells(page, 'register-heads', 3))[row].trim(),
    hash: (await cells(page, 'register-heads', 4))[row].trim(),
    time: (await cells(page, 'register-heads', 5))[row].trim(),
    rows: names.length,
  }
  await h.shot(page, 'register-heads')
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test="export-heads"]').click()])
  const csv = await fs.readFile(await download.path(), 'utf-8')
  h.check(csv.startsWith('\ufeff'), 'CSV starts with a BOM')
  const lines = csv.slice(1).trim().split(/\r?\n/)
  return { id, history, heads, csvHeader: lines[0], csvRoot: lines.find((l) => l.startsWith('云南省人民政府,')), csvRows: lines.length - 1 }
}
