// 导入目录: an administrator checks a sheet with an error (the problem shown by row and column), checks
// the fixed sheet, imports it (progress until done), then checks it again: everything already imported.
export default async function importing(h) {
  const { orgName, bad, fixed } = h.args
  const page = await h.newPage()
  await h.login(page, 'demo-admin')
  await page.locator('[data-test="menu-import"]').click()
  await page.locator('#import-title').waitFor()
  await h.choose(page, '#im-org', orgName)

  await page.locator('[data-test="import-sheet"]').setInputFiles(bad)
  await page.locator('[data-test="import-check"]').click()
  const problems = page.locator('[data-test="import-problems"]')
  await problems.getByText('体裁“檄文”不在体裁词表中。').waitFor()
  const refusedRow = await problems.locator('tbody tr').first().locator('td').allTextContents()
  const startDisabled = await page.locator('[data-test="import-start"]').isDisabled()
  await h.shot(page, 'import-problems')

  await page.locator('[data-test="import-sheet"]').setInputFiles(fixed)
  await page.locator('[data-test="import-check"]').click()
  const summary = page.locator('[data-test="import-check-result"] [role="status"]')
  await summary.getByText('有问题 0 行').waitFor()
  const checked = (await summary.textContent()).replace(/\s+/g, '')
  await page.locator('[data-test="import-start"]').click()
  const run = page.locator('[data-test="import-run"] [role="status"]')
  await run.getByText('已完成').waitFor({ timeout: 60_000 })
  const done = (await run.textContent()).replace(/\s+/g, '')
  await h.shot(page, 'import-done')

  await page.locator('[data-test="import-check"]').click()
  await summary.getByText('此前已导入 2 行').waitFor()
  const again = (await summary.textContent()).replace(/\s+/g, '')
  return { refusedRow, startDisabled, checked, done, again }
}
