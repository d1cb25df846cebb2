// 依申请公开 (#18), the steps that move the deadline, in the admin app as the disclosure office: a letter
// received some days ago is assigned; 补正 stops the clock (no start, no due date) and the corrected
// application restarts it from the day it arrived (第三十条); a consultation pauses it (第三十二条); an
// extension adds working days (第三十三条). Reply files are attached, listed with their size and one is
// removed before sending; after sending they are read-only; the request is archived. The deadlines the
// page shows are returned for pytest to compare with the working-day calendar.
export default async function requestsSteps(h) {
  const stamp = String(Date.now()).slice(-6)
  const beijing = (days) => new Date(Date.now() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10)
  const receivedOn = beijing(-3)
  const home = (await h.api('demo-office', 'query { organization(key: "yn-gov-office") { id } }')).organization.id
  const officerId = (await h.api('demo-officer', 'query { me { user { id } } }')).me.user.id
  const number = (
    await h.api(
      'demo-office',
      'mutation($i: DisclosureRequestInput!, $d: Date!) { registerDisclosureRequest(input: $i, channel: POST, receivedOn: $d) { number } }',
      { i: { organization: home, applicantKind: 'NATURAL_PERSON', applicant: { name: '步骤测试', phone: '13900003333' }, description: `请求公开第 ${stamp} 号文件` }, d: receivedOn },
    )
  ).registerDisclosureRequest.number
  const listed = await h.api('demo-office', 'query($o: ID) { disclosureRequests(organization: $o) { id number } }', { o: home })
  const id = listed.disclosureRequests.find((r) => r.number === number).id
  await h.api('demo-office', 'mutation($id: ID!, $o: ID!) { assignDisclosureRequest(id: $id, officer: $o) { state } }', { id, o: officerId })

  const page = await h.newPage()
  await h.login(page, 'demo-office')
  await page.goto(`${h.base}/admin/requests/${encodeURIComponent(id)}`)
  await page.locator('[data-test="request-facts"]').waitFor()
  const text = async (test) => (await page.locator(`[data-test="${test}"]`).first().textContent()).trim()
  const deadline = async () => ({ starts: await text('request-starts'), due: await text('request-due'), clock: await text('request-clock') })
  const done = async (message) => page.locator('[data-test="request-info"]').getByText(message).waitFor()
  /** A table's rows, each as its non-empty cells joined by one space. */
  const cells = async (selector) => {
    const rows = []
    for (const row of await page.locator(`${selector} tbody tr`).all()) {
      rows.push((await row.locator('td').allTextContents()).map((t) => t.trim()).filter(Boolean).join(' '))
    }
    return rows
  }
  const initial = await deadline()

  // 补正: one notice; the clock stops
  await page.locator('[data-test="act-correction"]').click()
  await page.locator('#rq-due').fill(beijing(10))
  await page.locator('#rq-due').press('Enter')
  await page.locator('#rq-note').fill('请补充所需文件的文号')
  await page.locator('[data-test="dialog-submit"]').click()
  await done('已告知补正')
  const correction = await deadline()
  // the corrected application arrives today: the limit counts again from today
  await page.locator('[data-test="act-corrected"]').click()
  await page.locator('[data-test="dialog-submit"]').click()
  await done('已收到补正')
  const corrected = await deadline()

  // a consultation pauses the clock while it is open
  await page.locator('[data-test="act-consult"]').click()
  await page.locator('#rq-party').fill('第三方企业')
  await page.locator('[data-test="dialog-submit"]').click()
  await done('已开始征求意见')
  const consulting = await deadline()
  const pauseRows = await cells('[data-test="request-pauses"]')
  await page.locator('[data-test="act-consulted"]').click()
  await done('已收到意见')
  const consulted = await deadline()

  // an extension of 5 working days
  await page.locator('[data-test="act-extend"]').click()
  await page.locator('#rq-days').fill('5')
  await page.locator('#rq-reason').fill('涉及多个部门，需要协调')
  await page.locator('[data-test="dialog-submit"]').click()
  await done('已批准延期答复')
  const extended = await deadline()
  const extension = await text('request-extension')

  // reply files: two attached, listed with their size, one removed
  const letter = `答复书（${stamp}）：经审查，予以公开。\n`
  await page.locator('[data-test="reply-file-input"]').setInputFiles([
    { name: `答复书${stamp}.txt`, mimeType: 'text/plain', buffer: Buffer.from(letter) },
    { name: `草稿${stamp}.txt`, mimeType: 'text/plain', buffer: Buffer.from('不要的草稿\n') },
  ])
  await done('已添加 2 个答复文件')
  const rows = page.locator('[data-test="reply-files"] tbody tr')
  const attached = await cells('[data-test="reply-files"]')
  await rows.filter({ hasText: `草稿${stamp}.txt` }).locator('[data-test="reply-file-remove"]').click()
  await done('已删除答复文件')
  const kept = (await page.locator('[data-test="reply-file-link"]').allTextContents()).map((t) => t.trim())
  const letterHref = await page.locator('[data-test="reply-file-link"]').first().getAttribute('href')

  // the reply is drafted and passes its three tiers (through the API), then the office sends it
  await h.api('demo-officer', 'mutation($id: ID!, $r: DisclosureReplyInput!) { draftDisclosureReply(id: $id, input: $r) { state } }', {
    id,
    r: { outcome: 'DISCLOSED', legalBasis: '《中华人民共和国政府信息公开条例》第三十六条第（二）项', remedies: ['REVIEW', 'LITIGATION'], text: '予以公开。' },
  })
  for (const who of ['demo-officer', 'demo-dept-head', 'demo-unit-head']) {
    await h.api(who, 'mutation($id: ID!) { reviewDisclosureReply(id: $id, approve: true) { state } }', { id })
  }
  await page.reload()
  await page.locator('[data-test="act-send"]').click()
  await done('答复已发出')
  const sentFiles = await page.locator('[data-test="reply-file-link"]').count()
  const sentInputs = await page.locator('[data-test="reply-file-input"]').count()
  const sentRemoves = await page.locator('[data-test="reply-file-remove"]').count()

  // archived
  await page.locator('[data-test="act-archive"]').click()
  await done('已归档')
  const archivedState = await text('request-state')
  await h.shot(page, 'request-steps-archived')

  return {
    stamp,
    receivedOn,
    initial,
    correction,
    corrected,
    consulting,
    pauseRows,
    consulted,
    extended,
    extension,
    attached,
    letterBytes: Buffer.byteLength(letter),
    kept,
    letterHref,
    sentFiles,
    sentInputs,
    sentRemoves,
    archivedState,
  }
}
