// The disclosure office opens 合规看板: the figures and quota rows it shows are the server's, and the
// Excel export downloads a workbook named after the period.
export default async function compliance(h) {
  const me = await h.api('demo-office', '{ me { user { organization { id } } } }')
  const org = me.me.user.organization.id
  const year = new Date().getFullYear()
  const period = { organization: org, from: `${year}-01-01`, to: `${year}-12-31` }
  const server = (
    await h.api(
      'demo-office',
      'query($organization: ID!, $from: Date!, $to: Date!) { complianceDashboard(organization: $organization, from: $from, to: $to) { figures { key count } quotas { key } } }',
      period,
    )
  ).complianceDashboard

  const page = await h.newPage()
  await h.login(page, 'demo-office')
  await page.locator('[data-test="menu-compliance"]').click()
  await page.locator('[data-test="compliance-figures"]').waitFor()
  const shown = {}
  for (const figure of server.figures) {
    shown[figure.key] = Number(await page.locator(`[data-test="figure-${figure.key}"]`).textContent())
  }
  const quotaRows = await page.locator('[data-test="compliance-quotas"] .el-table__body tr.el-table__row').count()
  await h.shot(page, 'compliance-dashboard')

  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test="export-xlsx"]').click()])
  const expected = Object.fromEntries(server.figures.map((f) => [f.key, f.count]))
  h.check(JSON.stringify(shown) === JSON.stringify(expected), `figures shown ${JSON.stringify(shown)} != ${JSON.stringify(expected)}`)
  return { shown, expected, quotaRows, quotas: server.quotas.length, filename: download.suggestedFilename(), year }
}
