// A rejection returns the entry to the officer with the opinion visible; an expired token while editing
// brings up the re-login dialog and the edit is saved afterwards without retyping.
export default async function reject(h) {
  const title = `E2E 退回测试 ${Date.now()}`
  const opinion = '发文字号有误，请核对后重新提交。'
  const page = await h.newPage()
  await h.login(page, 'demo-officer')
  await page.locator('[data-test="menu-new"]').click()
  await page.locator('#f-title').fill(title)
  await page.locator('#f-summary').fill('将被退回的条目。')
  await h.saveNew(page)
  const id = decodeURIComponent(page.url().split('/').pop())
  await h.act(page, id, 'SUBMIT')
  await h.act(page, id, 'APPROVE', '初审同意。')
  await h.logout(page)

  await h.login(page, 'demo-dept-head')
  const step = await h.act(page, id, 'REJECT', opinion)
  h.check(step.after === '已退回', `rejected: ${step.after}`)
  await h.logout(page)

  // the officer finds it in the catalog, filtered by state, and sees the opinion
  await h.login(page, 'demo-officer')
  await page.locator('[data-test="menu-catalog"]').click()
  await h.choose(page, '#c-state', '已退回')
  await page.locator('[data-test="search"]').click()
  // the filtered page replaces the unfiltered one: click only once it has (rows would move under the pointer)
  await page.waitForFunction(() => {
    const states = [...document.querySelectorAll('[data-test="catalog-state"]')].map((e) => e.textContent)
    return states.length > 0 && states.every((s) => s === '已退回')
  })
  await page.locator('[data-test="catalog-table"]').getByText(title).click()
  await page.waitForURL(/\/admin\/catalog\/[^/]+$/)
  await page.locator('[data-test="to-review"]').click()
  const shown = await page.locator('[data-test="rejection-opinion"]').textContent()
  h.check(shown === opinion, `opinion visible: ${shown}`)
  await page.locator('[data-test="action-SUBMIT"]').waitFor() // it can be resubmitted
  await h.shot(page, 'rejected-with-opinion')

  // the token expires while editing: the re-login dialog keeps the form, and the save goes through
  await page.goto(`${h.base}/admin/catalog/${id}`)
  await page.locator('#f-title').waitFor()
  h.check((await page.locator('#f-title').inputValue()) === title, 'editor shows the loaded entry')
  await page.locator('#f-summary').fill('已按退回意见修改。')
  // revoke the token behind the app's back (as an expiry would)
  await page.evaluate(() =>
    fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sessionStorage.getItem('gongkai.token')}` },
      body: JSON.stringify({ query: 'mutation { logout }' }),
    }),
  )
  await page.locator('[data-test="save"]').click()
  await page.locator('#relogin-password').waitFor()
  await h.shot(page, 'relogin-dialog')
  h.check((await page.locator('#relogin-username').inputValue()) === 'demo-officer', 'username kept')
  await page.locator('#relogin-password').fill(h.password)
  await page.locator('[data-test="relogin-dialog"]').getByRole('button', { name: '登录', exact: true }).click()
  await page.locator('[data-test="saved"]').waitFor()
  h.check((await page.locator('#f-summary').inputValue()) === '已按退回意见修改。', 'edit kept and saved')
  return { id, title, opinion }
}
