// The reading-room terminal's on-screen keyboard at both kiosk orientations: pinyin candidates (a phrase
// typed whole and chosen word by word, paging through candidates) and the digit pad for a 文号, then search.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const AXE = readFileSync(path.join(here, '..', '..', '..', 'reading-room', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8')
const VIEWPORTS = [
  { name: 'portrait', width: 1080, height: 1920 },
  { name: 'landscape', width: 1920, height: 1080 },
]

async function axe(page, screen) {
  await page.evaluate(AXE)
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }))
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${screen}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
}

/** Types pinyin on the on-screen keyboard and picks `word` among the candidates (paging if needed). */
async function typePinyin(page, letters, word) {
  for (const letter of letters) await page.locator(`[data-test="keyboard"] [data-key="${letter}"]`).click()
  const candidate = page.locator('[data-test="candidate"]', { hasText: new RegExp(`^\\s*${word}\\s*$`) })
  for (let i = 0; i < 5 && !(await candidate.count()); i++) await page.getByRole('button', { name: '下一组候选' }).click()
  await candidate.click()
}

async function visit(h, viewport) {
  const page = await h.newPage({ viewport: { width: viewport.width, height: viewport.height }, hasTouch: true })
  const violations = []
  // search with the on-screen keyboard: pinyin candidates, then the digit pad for a 文号 (a terminal
  // without an id: the whole province, where 云政发 documents are)
  await page.goto(`${h.base}/reading-room/`)
  await page.locator('[data-test="search-input"]').click()
  await page.locator('[data-test="keyboard"] [data-key="q"]').waitFor()
  // a phrase typed whole and chosen word by word: zhengcewenjian → 政策, then 文件
  await typePinyin(page, 'zhengcewenjian', '政策')
  const buffered = await page.locator('[data-test="pinyin-buffer"]').textContent()
  await typePinyin(page, '', '文件')
  const phrase = await page.locator('[data-test="search-input"]').inputValue()
  for (let i = 0; i < 4; i++) await page.locator('[data-test="keyboard-back"]').click()
  // a 文号: characters one by one (发 may be past the first page of "fa"), then the digit pad
  for (const [letters, word] of [['yun', '云'], ['zheng', '政'], ['fa', '发']]) await typePinyin(page, letters, word)
  await page.locator('[data-test="keyboard-mode"]').click()
  for (const key of '〔2024〕5号') await page.locator(`[data-test="keyboard"] [data-key="${key}"]`).click()
  const typed = await page.locator('[data-test="search-input"]').inputValue()
  violations.push(...(await axe(page, 'keyboard')))
  await h.shot(page, `reading-room-keyboard-${viewport.name}`)
  await page.locator('[data-test="keyboard-submit"]').click()
  await page.locator('[data-test="search-results"] li').first().waitFor()
  const keyboardFound = Number(await page.locator('[data-test="search-total"]').textContent())

  return { viewport: viewport.name, buffered, phrase, typed, keyboardFound, violations }
}

export default async function (h) {
  const results = []
  for (const viewport of VIEWPORTS) results.push(await visit(h, viewport))
  return { results }
}
