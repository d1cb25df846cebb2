// An administrator works on the organization tree: finds a county, creates a department under it (a
// fourth level), edits its index-number template with the preview, configures and then resets its
// review chain, looks at the other content types' lists, and exports the review register as CSV.
import fs from 'node:fs/promises'

export default async function admin(h) {
  const stamp = Date.now()
  const name = `E2E 测试局 ${stamp}`
  const page = await h.newPage()
  await h.login(page, 'demo-admin')
  await page.locator('[data-test="menu-orgs"]').click()
  await page.locator('[data-test="org-name"]').waitFor() // the tree has loaded and selected the user's own
  await page.locator('#o-filter').fill('五华')
  await page.locator('[data-test="org-km-wuhua"]').click()
  await page.locator('[data-test="org-name"]').getByText('五华区').waitFor()

  // a new department under the county
  await page.locator('#n-name').fill(name)
  await page.locator('#n-code').fill(`E2E${stamp}`)
  await page.locator('#n-key').fill(`e2e-${stamp}`)
  await page.locator('[data-test="create-org"]').click()
  await page.locator('[data-test="orgs-info"]').getByText('已新建机构').waitFor()
  await page.locator('[data-test="org-name"]').getByText(name).waitFor()

  // the same code again: the server's message appears next to the code field
  await page.locator('#n-name').fill(`${name}（重复）`)
  await page.locator('#n-code').fill(`E2E${stamp}`)
  await page.locator('#n-key').fill(`e2e-${stamp}`)
  await page.locator('[data-test="create-org"]').click()
  const codeError = await page.locator('[data-test="error-n-code"]').textContent()
  h.check(codeError.includes('已存在'), `duplicate code error at the field: ${codeError}`)

  // index-number template: refused before sending without {seq}, previewed, saved
  await page.locator('#o-template').fill('{code}-{year}')
  await page.locator('[data-test="save-template"]').click()
  const templateError = await page.locator('[data-test="error-o-template"]').textContent()
  h.check(templateError.includes('{seq}'), `template error: ${templateError}`)
  await page.locator('#o-template').fill('{code}/{year}{month:02d}-{seq:04d}')
  const now = new Date()
  const expected = `E2E${stamp}/${now.getFullYear()}${String(now.getMonth() + 1).padStart(2, '0')}-0001`
  await page.locator('[data-test="template-preview"]').getByText(expected).waitFor()
  await h.shot(page, 'org-index-template')
  await page.locator('[data-test="save-template"]').click()
  await page.locator('[data-test="orgs-info"]').getByText('索引号模板').waitFor()
  await page.locator('[data-test="org-template"]').getByText('{code}/{year}{month:02d}-{seq:04d}').waitFor()

  // review chain: add a 保密审查 tier before 审发 (moved up by keyboard), save, then back to inheritance
  const tiers = page.locator('[data-test="chain"] > li')
  await tiers.nth(2).waitFor()
  const inherited = await tiers.count()
  await page.locator('[data-test="chain-source"]').getByText('继承').waitFor()
  await page.getByRole('button', { name: '添加环节' }).click()
  await page.locator(`#tier-${inherited}-label`).fill('保密审查')
  await page.locator(`#tier-${inherited}-key`).fill('secrecy')
  await page.locator(`#tier-${inherited}-up`).focus()
  await page.keyboard.press('Enter')
  await page.locator('[data-test="save-chain"]').click()
  await page.locator('[data-test="orgs-info"]').getByText('已保存').waitFor()
  const saved = await tiers.locator('input[id$="-label"]').evaluateAll((inputs) => inputs.map((i) => i.value))
  h.check(saved.length === inherited + 1 && saved[inherited - 1] === '保密审查', `chain after save: ${saved}`)
  await page.locator('[data-test="chain-source"]').getByText('本机构配置').waitFor()
  await h.shot(page, 'org-review-chain')
  await page.locator('[data-test="inherit-chain"]').click()
  await page.locator('[data-test="orgs-info"]').getByText('恢复为继承').waitFor()
  await page.waitForFunction((n) => document.querySelectorAll('[data-test="chain"] > li').length === n, inherited)
  await page.locator('[data-test="chain-source"]').getByText('继承').waitFor()

  // pickers show the whole depth: the new fourth-level department is offered in the catalog filter
  await page.locator('[data-test="menu-catalog"]').click()
  await h.choose(page, '#c-org', name)

  // the other content types have their lists (demo data holds some of each)
  const listed = {}
  for (const kind of ['interpretations', 'gazette', 'interviews']) {
    await page.locator(`[data-test="menu-${kind}"]`).click()
    await page.locator(`[data-test="list-${kind}"] tbody tr`).first().waitFor()
    listed[kind] = await page.locator(`[data-test="list-${kind}"] tbody tr`).count()
  }

  // review register exported as CSV (UTF-8 with BOM, Chinese header)
  await page.locator('[data-test="menu-register"]').click()
  await page.locator('[data-test="register"] tbody tr').first().waitFor()
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test="export-csv"]').click()])
  const csv = await fs.readFile(await download.path(), 'utf-8')
  h.check(csv.startsWith('\ufeff'), 'CSV starts with a BOM')
  const header = csv.slice(1).split(/\r?\n/)[0]
  h.check(header.startsWith('序号,时间'), `CSV header: ${header}`)
  return { org: name, chain: saved, listed, csvHeader: header, csvLines: csv.trim().split(/\r?\n/).length, file: download.suggestedFilename() }
}
