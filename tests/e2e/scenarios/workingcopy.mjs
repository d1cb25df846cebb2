// A published entry is changed through a working copy: 签出, edit (now involving another agency), 签入,
// three-tier review with that agency's 会签确认, and the issued copy replaces the published version.
// Then 标记废止 makes another working copy, which 取消签出 throws away.
const FINDINGS = { stateSecrets: false, commercialSecrets: false, personalPrivacy: false, proposedMode: 'PROACTIVE' }
const TRANSITION = 'mutation($i: TransitionInput!) { transition(input: $i) { id reviewState } }'

export default async function workingcopy(h) {
  const title = `E2E 工作副本 ${Date.now()}`
  const revised = `${title}（修订）`

  // a published entry to start from, set up through the API (publishing in the browser is publish.mjs)
  const me = await h.api('demo-officer', '{ me { user { username displayName organization { id } } } }')
  const finance = (await h.api('demo-officer', '{ organization(key: "yn-finance") { id name } }')).organization
  const created = await h.api('demo-officer', 'mutation($i: CatalogEntryInput!) { createCatalogEntry(input: $i) { id } }', {
    i: { organization: me.me.user.organization.id, title, summary: '原文概述。' },
  })
  const id = created.createCatalogEntry.id
  const step = (user, action) =>
    h.api(user, TRANSITION, { i: { id, action, opinion: '同意。', confidentiality: action === 'APPROVE' ? FINDINGS : null } })
  await step('demo-officer', 'SUBMIT')
  await step('demo-officer', 'APPROVE')
  await step('demo-dept-head', 'APPROVE')
  await step('demo-unit-head', 'APPROVE')

  // 签出 and edit the copy
  const page = await h.newPage()
  await h.login(page, 'demo-officer')
  await page.goto(`${h.base}/admin/catalog/${id}`)
  await page.locator('[data-test="published-banner"]').waitFor()
  await page.locator('[data-test="checkout"]').click()
  await page.locator('[data-test="working-copy-banner"]').waitFor()
  const copyId = decodeURIComponent(page.url().split('/').pop())
  h.check(copyId !== id, 'the copy is its own item')
  await page.locator('#f-title').fill(revised)
  await page.locator('#f-summary').fill('修订后的概述。')
  await h.choose(page, '#f-involves', finance.name)
  await page.keyboard.press('Escape')
  await page.locator('[data-test="save"]').click()
  await page.locator('[data-test="saved"]').getByText('已保存').waitFor()
  await h.shot(page, 'working-copy')
  await page.locator('[data-test="checkin"]').click()
  await page.locator('[data-test="saved"]').getByText('已签入').waitFor()

  // the published version shows who holds a working copy, and is unchanged
  await page.goto(`${h.base}/admin/catalog/${id}`)
  const holder = await page.locator('[data-test="copy-holder"]').textContent()
  h.check(holder.includes(me.me.user.displayName || me.me.user.username), `holder shown: ${holder}`) // workingCopy.checkedOutBy
  h.check((await page.locator('#f-title').inputValue()) === title, 'live title unchanged while the copy is reviewed')
  await h.shot(page, 'published-with-working-copy')

  // review of the copy: 初审 (officer), 审核 (department head), then the involved agency confirms and
  // the unit head issues it
  await h.act(page, copyId, 'APPROVE', '初审同意。')
  await h.logout(page)
  await h.login(page, 'demo-dept-head')
  await h.act(page, copyId, 'APPROVE', '审核同意。')
  await h.logout(page)
  await h.login(page, 'demo-unit-head')
  await page.goto(`${h.base}/admin/review/${copyId}`)
  await page.locator('[data-test="confirm-form"]').waitFor()
  await h.shot(page, 'cross-agency-confirmation')
  await page.locator('#r-opinion').fill('本机构确认。')
  await page.locator('[data-test="action-CONFIRM"]').click()
  await page.locator('[data-test="review-done"]').waitFor()
  const confirmation = await page.locator('[data-test="confirmation"]').textContent()
  h.check(confirmation.includes('已确认'), `confirmation shown: ${confirmation}`)
  h.check((await page.locator('[data-test="confirm-form"]').count()) === 0, 'no second confirmation offered')
  const issued = await h.act(page, copyId, 'APPROVE', '同意发布。')
  h.check(issued.after === '已发布', `issued: ${issued.after}`)
  h.check(page.url().endsWith(`/review/${id}`), `review moved to the live item: ${page.url()}`)
  h.check((await page.locator('[data-test="review-done"]').textContent()).includes('替换'), 'merge explained')
  // the unit head may not edit: no checkout or validity actions are offered
  await page.goto(`${h.base}/admin/catalog/${id}`)
  await page.locator('[data-test="published-banner"]').waitFor()
  h.check((await page.locator('[data-test="checkout"], [data-test="change-validity"]').count()) === 0, 'no edit actions for the unit head')
  h.check((await page.locator('#f-title').inputValue()) === revised, 'the live version now has the revised title')
  // its history lists the checkout and the copy's reviews; nobody is offered a direct revert of it
  await page.goto(`${h.base}/admin/history/${id}`)
  await page.locator('[data-test="revert-hint"]').waitFor()
  await page.locator('[data-test="transitions"]').getByText('签出', { exact: true }).first().waitFor()
  h.check((await page.locator('[data-test^="revert-"]:not([data-test="revert-hint"])').count()) === 0, 'no revert offered')
  await h.logout(page)

  // 标记废止 makes a working copy with the new validity; 取消签出 discards it
  await h.login(page, 'demo-officer')
  await page.goto(`${h.base}/admin/catalog/${id}`)
  await page.locator('[data-test="change-validity"]').click()
  await page.locator('[data-test="v-submit"]').click()
  await page.locator('[data-test="error-v-date"]').waitFor() // 废止 needs its date
  await page.locator('#v-date').fill('2026-12-31')
  await page.locator('#v-date').press('Enter')
  await h.shot(page, 'change-validity')
  await page.locator('[data-test="v-submit"]').click()
  await page.locator('[data-test="working-copy-banner"]').waitFor()
  const validity = await page.locator('[data-test="entry-validity"]').textContent()
  h.check(validity === '废止', `copy marked repealed: ${validity}`)
  await page.locator('[data-test="cancel-checkout"]').click()
  await page.locator('[data-test="cancel-checkout-confirm"]').click()
  await page.locator('[data-test="published-banner"]').waitFor()
  await page.locator('[data-test="checkout"]').waitFor() // no working copy any more
  return { id, title: revised }
}
