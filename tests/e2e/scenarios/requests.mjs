// 依申请公开 (#18) in the admin app: the disclosure office registers a letter, assigns it to the case officer,
// who drafts a reply 予以公开; the reply passes 初审 → 审核 → 审发 with the demo accounts and the office sends
// it; the worklist then shows it replied. The office sees the applicant's identity, the case officer (no
// 查看申请人个人信息 permission) does not.
export default async function requests(h) {
  const stamp = String(Date.now()).slice(-6)
  const applicant = `端到端申请人${stamp}`
  const idNumber = `530102199001${stamp}`
  const description = `请求公开第 ${stamp} 号社区的旧城改造补偿方案`
  // a letter signed for 100 days ago and never answered: overdue on the worklist
  const home = (await h.api('demo-office', 'query { organization(key: "yn-gov-office") { id } }')).organization.id
  const longAgo = new Date(Date.now() + 8 * 3600_000 - 100 * 86_400_000).toISOString().slice(0, 10)
  const late = (
    await h.api(
      'demo-office',
      'mutation($i: DisclosureRequestInput!, $d: Date!) { registerDisclosureRequest(input: $i, channel: POST, receivedOn: $d) { number } }',
      { i: { organization: home, applicantKind: 'NATURAL_PERSON', applicant: { name: '逾期测试', phone: '13900002222' }, description: `逾期 ${stamp}` }, d: longAgo },
    )
  ).registerDisclosureRequest.number

  // the office registers a letter received today
  const office = await h.newPage()
  await h.login(office, 'demo-office')
  await office.locator('[data-test="menu-requests"]').click()
  await office.locator('[data-test="requests"]').waitFor()
  await h.choose(office, '[data-test="requests-due"]', '已逾期')
  await office.locator('#rq-filter-text').fill(late)
  const lateRow = office.locator('[data-test="requests"] tbody tr', { hasText: late })
  const lateClass = await lateRow.getAttribute('class')
  const lateDays = (await lateRow.locator('[data-test="request-days-left"]').textContent()).trim()
  await h.choose(office, '[data-test="requests-due"]', '全部')
  await office.locator('[data-test="request-register"]').click()
  await h.choose(office, '[data-test="rq-channel"]', '信函')
  await office.locator('#rq-name').fill(applicant)
  await office.locator('#rq-idNumber').fill(idNumber)
  await office.locator('#rq-phone').fill('13800001111')
  await office.locator('#rq-address').fill('昆明市五华区某路 1 号')
  await office.locator('#rq-description').fill(description)
  await office.locator('[data-test="register-submit"]').click()
  const registered = (await office.locator('[data-test="register-result"]').textContent()).trim()
  const number = registered.match(/已登记申请 (\S+)，/)[1]

  // it is on the worklist, open, with its working days left
  await office.locator('#rq-filter-text').fill(number)
  const row = office.locator('[data-test="requests"] tbody tr', { hasText: number })
  await row.waitFor()
  const registeredState = (await row.locator('[data-test="request-state"]').textContent()).trim()
  const daysLeft = (await row.locator('[data-test="request-days-left"]').textContent()).trim()
  await row.locator('[data-test="request-link"]').click()
  await office.locator('[data-test="request-facts"]').waitFor()
  const url = office.url()
  const officeSees = (await office.locator('[data-test="applicant-name"]').textContent()).trim()

  // 分办 to the case officer
  await office.locator('[data-test="act-assign"]').click()
  // 分办 picks the case officer by name from the staff who may handle requests there
  await h.choose(office, '[data-test="rq-officer"]', '演示承办人')
  await office.locator('[data-test="dialog-submit"]').click()
  await office.locator('[data-test="request-info"]').getByText('已分办').waitFor()
  const assignedState = (await office.locator('[data-test="request-facts"] [data-test="request-state"]').textContent()).trim()
  const assignedName = (await office.locator('[data-test="request-officer"]').textContent()).trim()

  // the officer drafts 予以公开 and sees no applicant identity
  const officer = await h.newPage()
  await h.login(officer, 'demo-officer')
  await officer.goto(url)
  await officer.locator('[data-test="request-facts"]').waitFor()
  const officerApplicant = (await officer.locator('[data-test="applicant-hidden"]').textContent()).trim()
  // nowhere on the officer's page: neither the name nor the identity number
  const officerSeesName = await officer.getByText(applicant).count()
  const officerSeesIdNumber = await officer.getByText(idNumber).count()
  const officeSeesIdNumber = await office.getByText(idNumber).count()
  await officer.locator('[data-test="act-draft"]').click()
  await h.choose(officer, '[data-test="rq-outcome"]', '予以公开')
  await officer.locator('#rq-basis').fill('《中华人民共和国政府信息公开条例》第三十六条第（二）项')
  await officer.locator('#rq-text').fill('经审查，您申请的信息予以公开，见附件。')
  await officer.locator('[data-test="dialog-submit"]').click()
  await officer.locator('[data-test="request-info"]').getByText('答复草稿已保存').waitFor()
  const outcome = (await officer.locator('[data-test="reply-outcome"]').textContent()).trim()

  // 初审 (the officer), 审核 (the department head), 审发 (the unit head)
  const pending = []
  const reviewers = [officer]
  for (const name of ['demo-dept-head', 'demo-unit-head']) {
    const page = await h.newPage()
    await h.login(page, name)
    reviewers.push(page)
  }
  for (const page of reviewers) {
    if (page !== officer) await page.goto(url)
    await page.locator('[data-test="act-review"]').waitFor()
    pending.push((await page.locator('[data-test="reply-pending"]').textContent()).trim())
    await page.locator('[data-test="act-review"]').click()
    await page.locator('#rq-opinion').fill('同意')
    await page.locator('[data-test="review-approve"]').click()
    await page.locator('[data-test="request-info"]').getByText('已通过').waitFor()
  }
  const reviewsShown = await reviewers[2].locator('[data-test="reply-reviews"] tbody tr').count()

  // the office sends the reply
  await office.reload()
  await office.locator('[data-test="act-send"]').click()
  await office.locator('[data-test="request-info"]').getByText('答复已发出').waitFor()
  const history = (await office.locator('[data-test="history-action"]').allTextContents()).map((t) => t.trim())

  // the applicant asks for administrative review; the office records the case and, later, its result
  await office.locator('[data-test="act-remedy"]').click()
  await h.choose(office, '#rq-case-kind', '行政复议')
  await office.locator('#rq-authority').fill('云南省人民政府')
  await office.locator('#rq-case-number').fill(`云政复〔2026〕${stamp}号`)
  await office.locator('[data-test="dialog-submit"]').click()
  await office.locator('[data-test="request-info"]').getByText('已登记案件').waitFor()
  const remedyRow = office.locator('[data-test="remedy-cases"] tbody tr').first()
  const remedyPending = (await remedyRow.textContent()).includes('尚未审结')
  await remedyRow.getByRole('button', { name: '登记结果' }).click()
  await h.choose(office, '#rq-result', '结果维持')
  await office.locator('[data-test="dialog-submit"]').click()
  await office.locator('[data-test="request-info"]').getByText('已登记审结结果').waitFor()
  const remedyConcluded = (await remedyRow.textContent()).includes('结果维持')
  await h.shot(office, 'request-replied')

  // 第四十四条: the officer (who may create content) turns the released information into a catalog draft
  await officer.reload()
  await officer.locator('[data-test="act-proactive"]').click()
  await officer.locator('#rq-title').fill(`旧城改造补偿方案（${stamp}）`)
  await officer.locator('[data-test="dialog-submit"]').click()
  await officer.waitForURL(/\/admin\/catalog\/(?!new$)[^/]+$/)
  await officer.locator('#f-title').waitFor()
  const proactiveTitle = await officer.locator('#f-title').inputValue()
  const officeMayNotDraft = await office.locator('[data-test="act-proactive"]').count()

  // the worklist, filtered on 已答复, shows it replied
  await office.locator('[data-test="menu-requests"]').click()
  await office.locator('[data-test="requests"]').waitFor()
  await h.choose(office, '[data-test="requests-state"]', '已答复')
  await office.locator('#rq-filter-text').fill(number)
  const replied = office.locator('[data-test="requests"] tbody tr', { hasText: number })
  await replied.waitFor()
  const repliedState = (await replied.locator('[data-test="request-state"]').textContent()).trim()
  const listedAssignee = (await replied.locator('[data-test="request-assignee"]').textContent()).trim()
  await h.shot(office, 'requests-worklist')

  return {
    number,
    stamp,
    registered,
    registeredState,
    lateHighlighted: lateClass.split(' ').includes('request-overdue'),
    lateDays,
    daysLeft,
    officeSees,
    applicant,
    assignedState,
    assignedName,
    listedAssignee,
    officerApplicant,
    officerSeesName,
    officerSeesIdNumber,
    officeSeesIdNumber,
    outcome,
    pending,
    reviewsShown,
    history,
    repliedState,
    remedyPending,
    remedyConcluded,
    proactiveTitle,
    officeMayNotDraft,
  }
}
