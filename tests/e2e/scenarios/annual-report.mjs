// The disclosure office opens 年度报告 for a year of its own, writes the overview, saves it, and issues
// the report: the screen shows each state, and the server holds what the screen showed.
export default async function annualReport(h) {
  const year = h.args.year
  const me = await h.api('demo-office', '{ me { user { organization { id } } } }')
  const org = me.me.user.organization.id
  const overview = `${year} 年度，本机关认真贯彻落实《中华人民共和国政府信息公开条例》。`

  const page = await h.newPage()
  await h.login(page, 'demo-office')
  // the menu is drawn once the signed-in user's permissions have loaded: wait for it, not just look
  const inMenu = await page
    .locator('[data-test="menu-annual-report"]')
    .waitFor({ timeout: 15000 })
    .then(() => true, () => false)
  await page.goto(`${h.base}/admin/annual-report?year=${year}&organization=${encodeURIComponent(org)}`)
  await page.locator('[data-test="ar-state"]', { hasText: '编写中' }).waitFor()
  const sections = await page.locator('section.ar h3').allTextContents()
  const remedyRows = await page.locator('[data-test="ar-remedies"] .el-table__body tr.el-table__row').count()
  const fees = await page.locator('[data-test="ar-processing-fees"]').textContent()

  await page.locator('#ar-overview').fill(overview)
  await page.locator('[data-test="ar-save"]').click()
  await page.locator('[data-test="ar-message"], [data-test="ar-error"], .field-error').first().waitFor()
  const saved = await page.locator('[data-test="ar-message"], [data-test="ar-error"], .field-error').first().textContent()

  await page.locator('[data-test="ar-issue"]').click()
  await page.locator('[data-test="ar-state"]', { hasText: '已生成条目草稿' }).or(page.locator('[data-test="ar-error"]')).waitFor()
  const issued = await page.locator('[data-test="ar-message"], [data-test="ar-error"]').first().textContent()
  const state = await page.locator('[data-test="ar-state"]').textContent()
  const link = await page.locator('[data-test="ar-entry-link"]').getAttribute('href')
  const shownOverview = await page.locator('#ar-overview').inputValue()
  await h.shot(page, 'annual-report')

  const server = (
    await h.api(
      'demo-office',
      'query($o: ID!, $y: Int!) { annualReport(organization: $o, year: $y) { state version overview catalogEntryId } }',
      { o: org, y: year },
    )
  ).annualReport
  return { inMenu, sections, remedyRows, fees, saved, issued, state, link, shownOverview, overview, server }
}
