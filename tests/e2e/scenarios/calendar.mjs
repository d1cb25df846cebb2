// 节假日日历 (#17): in December the worklist warns that next year's holidays are missing (the server's
// calendar clock is set by the test to December of E2E_ARGS.year - 1); the administrator follows the
// warning, enters the year, saves, finds it again after a reload, and the warning is gone.
export default async function calendar(h) {
  const year = h.args.year
  const admin = await h.newPage()
  await h.login(admin, 'demo-admin')
  const warning = admin.locator('[data-test="calendar-warning"]', { hasText: `${year} 年` })
  await warning.waitFor()
  const warned = (await warning.textContent()).trim()
  await h.shot(admin, 'calendar-warning')

  await warning.locator('[data-test="calendar-warning-link"]').click()
  await admin.locator('[data-test="calendar-absent"]').waitFor()
  const shownYear = await admin.locator('#cal-year').inputValue()

  async function fillRow(index, date, kind, name) {
    await admin.locator('[data-test="calendar-add"]').click()
    const row = admin.locator('[data-test="calendar-day"]').nth(index)
    const picker = row.locator('input').first()
    await picker.fill(date)
    await picker.press('Enter')
    await row.locator('[data-test="calendar-kind"]').selectOption(kind)
    await row.locator('input[data-test="calendar-name"]').fill(name)
  }
  // a day outside the year is pointed out at its row before anything is sent
  await fillRow(0, `${year + 1}-01-01`, 'HOLIDAY', '元旦')
  await admin.locator('[data-test="calendar-save"]').click()
  const rowError = (await admin.locator('[data-test="calendar-row-error"]').textContent()).trim()
  await admin.getByRole('button', { name: '删除第 1 行' }).click()

  await fillRow(0, `${year}-01-01`, 'HOLIDAY', '元旦')
  await fillRow(1, `${year}-01-04`, 'WORKDAY', '元旦调休上班')
  await admin.locator('[data-test="calendar-save"]').click()
  const saved = (await admin.locator('[data-test="calendar-info"]').textContent()).trim()
  await h.shot(admin, 'holiday-calendar')

  // the round trip: what the server kept, read back after a reload
  await admin.reload()
  await admin.locator('[data-test="calendar-day"]').nth(1).waitFor()
  const days = []
  for (const row of await admin.locator('[data-test="calendar-day"]').all()) {
    days.push([
      await row.locator('input').first().inputValue(),
      (await row.locator('[data-test="calendar-weekday"]').textContent()).trim(),
      await row.locator('[data-test="calendar-kind"]').inputValue(),
      await row.locator('input[data-test="calendar-name"]').inputValue(),
    ])
  }
  const absentAfter = await admin.locator('[data-test="calendar-absent"]').count()

  // back on the worklist, once the warnings have been asked for again, none is shown
  const answered = admin.waitForResponse((r) => (r.request().postData() ?? '').includes('query CalendarWarnings'))
  await admin.locator('[data-test="menu-home"]').click()
  await answered
  await admin.locator('[data-test="worklist"]').waitFor()
  const warningsAfter = await admin.locator('[data-test="calendar-warning"]').count()
  return { warned, shownYear, rowError, saved, days, absentAfter, warningsAfter }
}
