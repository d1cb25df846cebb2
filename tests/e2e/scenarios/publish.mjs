// 承办人 drafts an entry with an attachment and submits it; 初审 by the officer, 审核 by the department
// head, 审发 by the unit head (each with the confidentiality form). Returns the entry for an HTTP check.
export default async function publish(h) {
  const title = `E2E 发布测试 ${Date.now()}`
  const page = await h.newPage()

  // a wrong password shows the server's Chinese message
  await page.goto(`${h.base}/admin/`)
  await page.locator('#login-username').fill('demo-officer')
  await page.locator('#login-password').fill('wrong-password')
  await page.getByRole('button', { name: '登录', exact: true }).click()
  const loginError = await page.locator('[data-test="login-error"]').textContent()
  h.check(/用户名或密码错误/.test(loginError), `login error shown in Chinese: ${loginError}`)
  await h.shot(page, 'login-error')

  await h.login(page, 'demo-officer')
  await page.locator('[data-test="worklist"]').waitFor()
  await h.shot(page, 'home-officer')

  // draft
  await page.locator('[data-test="menu-new"]').click()
  await page.locator('#f-title').fill(title)
  await page.locator('#f-summary').fill('端到端测试：起草、上传附件、三级审核并发布。')
  await page.locator('#f-docno').fill(`测发〔2026〕${Date.now() % 1000}号`)
  await h.choose(page, '#f-genre', '通知')
  await page.locator('#f-body').fill('正文内容。')
  await h.saveNew(page)
  const id = decodeURIComponent(page.url().split('/').pop())

  // attachment: requestUpload → PUT with progress → completeUpload with the browser's sha256
  await page.locator('#f-file').setInputFiles({
    name: '附件一：实施细则.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('政府信息公开实施细则（端到端测试附件）\n'.repeat(2000), 'utf-8'),
  })
  await page.locator('[data-test="upload"]').click()
  await page.locator('[data-test="attachments"]').getByText('附件一：实施细则.txt').waitFor()
  const uploadError = page.locator('[data-test="upload-error"]')
  h.check((await uploadError.count()) === 0, 'no upload error')
  await h.shot(page, 'editor-with-attachment')

  // submit, then 承办人初审 by the same officer (the first tier allows the author)
  let step = await h.act(page, id, 'SUBMIT')
  h.check(step.after === '待初审', `submitted: ${step.after}`)
  step = await h.act(page, id, 'APPROVE', '初审同意。')
  h.check(step.after === '待审核', `first review done: ${step.after}`)
  // the officer may not act at the next tier: no approve button is offered
  await page.goto(`${h.base}/admin/review/${id}`)
  await page.locator('[data-test="no-actions"]').waitFor()
  await h.logout(page)

  // department head finds it in the worklist
  await h.login(page, 'demo-dept-head')
  await page.locator('[data-test="worklist"]').getByText(title).waitFor()
  await h.shot(page, 'worklist-dept-head')
  await page.locator('[data-test="worklist"]').getByText(title).click()
  await page.locator('[data-test="action-APPROVE"]').waitFor()
  step = await h.act(page, id, 'APPROVE', '审核同意。')
  h.check(step.after === '待审发', `department review done: ${step.after}`)
  await h.logout(page)

  // unit head approves and issues
  await h.login(page, 'demo-unit-head')
  await page.goto(`${h.base}/admin/review/${id}`)
  await page.locator('[data-test="action-APPROVE"]').waitFor()
  await page.locator('#r-opinion').fill('同意发布。')
  await h.shot(page, 'review-confidentiality-form')
  step = await h.act(page, id, 'APPROVE', '同意发布。')
  h.check(step.after === '已发布', `issued: ${step.after}`)

  // the editor shows the assigned index number read-only
  await page.goto(`${h.base}/admin/catalog/${id}`)
  const indexNumber = await page.locator('#f-index').inputValue()
  h.check(indexNumber.length > 0, 'index number shown')
  h.check(await page.locator('#f-index').getAttribute('readonly') !== null, 'index number read-only')

  // history with the transitions filed
  await page.goto(`${h.base}/admin/history/${id}`)
  await page.locator('[data-test="transitions"]').getByText('同意发布。').waitFor()
  await h.shot(page, 'history')
  return { id, title, indexNumber }
}
