// 推送地址 (#16): an administrator adds an endpoint pointing at a real receiver on a loopback port (started
// here), an entry is published and the delivery log shows it delivered; the receiver is stopped, the next
// publication fails and is logged with its error; the receiver comes back, 重新推送, delivered. Then pause,
// resume and delete with confirmation.
import http from 'node:http'

const FINDINGS = { stateSecrets: false, commercialSecrets: false, personalPrivacy: false, proposedMode: 'PROACTIVE' }
const TRANSITION = 'mutation($i: TransitionInput!) { transition(input: $i) { id reviewState } }'

/** An HTTP receiver that records each POST (headers and exact body) and answers 204. */
function receiver() {
  const received = []
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      received.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(204).end()
    })
  })
  const listen = (port) => new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server.address().port)))
  const stop = () =>
    new Promise((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  return { received, listen, stop }
}

async function publish(h, org, title) {
  const created = await h.api('demo-officer', 'mutation($i: CatalogEntryInput!) { createCatalogEntry(input: $i) { id } }', {
    i: { organization: org, title, summary: '推送测试。' },
  })
  const id = created.createCatalogEntry.id
  for (const [user, action] of [['demo-officer', 'SUBMIT'], ['demo-officer', 'APPROVE'], ['demo-dept-head', 'APPROVE'], ['demo-unit-head', 'APPROVE']])
    await h.api(user, TRANSITION, { i: { id, action, opinion: '同意。', confidentiality: action === 'APPROVE' ? FINDINGS : null } })
  return id
}

/** Clicks 刷新 until the endpoint's log has `count` rows and its newest row's status is `status`. */
async function waitForNewest(page, hook, count, status) {
  const rows = hook.locator('[data-test="deliveries"] tbody tr[data-test^="delivery-"]')
  for (let i = 0; i < 60; i++) {
    if ((await rows.count()) === count && (await rows.first().locator('[data-test="delivery-status"]').textContent()) === status) return rows.first()
    await page.waitForTimeout(500)
    await page.locator('[data-test="webhooks-refresh"]').click()
    await page.locator('[data-test="webhooks"]').waitFor()
  }
  throw new Error(`no ${count}th delivery "${status}": ${await hook.locator('[data-test="deliveries"]').textContent()}`)
}

const cells = async (row) => ({
  status: (await row.locator('[data-test="delivery-status"]').textContent()).trim(),
  attempts: (await row.locator('[data-test="delivery-attempts"]').textContent()).trim(),
  error: (await row.locator('[data-test="delivery-error"]').textContent()).trim(),
  code: (await row.locator('[data-test="delivery-code"]').textContent()).trim(),
  delivered: (await row.locator('[data-test="delivery-delivered"]').textContent()).trim(),
})

export default async function webhooks(h) {
  const stamp = Date.now()
  // a fresh organization of its own: no other scenario publishes there
  const root = (await h.api('demo-admin', 'query { organization(key: "yn-gov") { id } }')).organization.id
  const suffix = stamp.toString(36).toUpperCase()
  const orgName = `推送测试机构${suffix}`
  const org = (
    await h.api('demo-admin', 'mutation($i: OrganizationInput!) { createOrganization(input: $i) { id } }', {
      i: { key: `t-hook-${suffix.toLowerCase()}`, name: orgName, code: `H${suffix}`, parent: root, kind: 'DEPARTMENT' },
    })
  ).createOrganization.id

  const hook = receiver()
  const port = await hook.listen(0)
  const url = `http://127.0.0.1:${port}/hooks/gongkai`

  const page = await h.newPage()
  await h.login(page, 'demo-admin')
  await page.locator('[data-test="menu-webhooks"]').click()
  await page.locator('#w-url').fill(url)
  await h.choose(page, '#w-org', orgName)
  await page.locator('[data-test="webhook-create"]').click()
  const secret = (await page.locator('[data-test="webhook-secret"]').textContent()).trim()
  const card = page.locator(`[data-test="webhook-${url}"]`)
  await card.waitFor()
  await h.shot(page, 'webhook-created')

  // published while the receiver is up: delivered
  const first = await publish(h, org, `E2E 推送一 ${stamp}`)
  const delivered = await cells(await waitForNewest(page, card, 1, '已送达'))

  // the receiver is down: the next publication's attempt fails and is logged with its error
  await hook.stop()
  const second = await publish(h, org, `E2E 推送二 ${stamp}`)
  let failedRow = await waitForNewest(page, card, 2, '待推送')
  for (let i = 0; i < 60 && (await cells(failedRow)).attempts === '0'; i++) {
    await page.waitForTimeout(500)
    await page.locator('[data-test="webhooks-refresh"]').click()
    failedRow = card.locator('[data-test="deliveries"] tbody tr[data-test^="delivery-"]').first()
  }
  const failed = await cells(failedRow)
  await h.shot(page, 'webhook-delivery-failed')

  // back up: 重新推送 delivers it at once (not after the 30 s retry wait)
  await hook.listen(port)
  await failedRow.locator('[data-test="delivery-resend"]').click()
  await page.locator('[data-test="webhooks-info"]').waitFor()
  const resent = await cells(await waitForNewest(page, card, 2, '已送达'))
  await h.shot(page, 'webhook-resent')

  // pause and resume
  await card.locator('[data-test="webhook-pause"]').click()
  await card.locator('[data-test="webhook-resume"]').waitFor()
  const pausedState = (await card.locator('[data-test="webhook-state"]').textContent()).trim()
  await card.locator('[data-test="webhook-resume"]').click()
  await card.locator('[data-test="webhook-pause"]').waitFor()
  const resumedState = (await card.locator('[data-test="webhook-state"]').textContent()).trim()

  // delete asks first; 取消 keeps it, 确认删除 removes it
  await card.locator('[data-test="webhook-delete"]').click()
  await card.locator('[data-test="webhook-delete-cancel"]').click()
  const keptAfterCancel = await card.count()
  await card.locator('[data-test="webhook-delete"]').click()
  await card.locator('[data-test="webhook-delete-confirm"]').click()
  await card.waitFor({ state: 'detached' })
  const info = (await page.locator('[data-test="webhooks-info"]').textContent()).trim()
  const left = (await h.api('demo-admin', 'query($o: ID) { webhooks(organization: $o) { id } }', { o: org })).webhooks.length
  await hook.stop()

  return {
    url,
    secret,
    items: [first, second],
    delivered,
    failed,
    resent,
    pausedState,
    resumedState,
    keptAfterCancel,
    info,
    left,
    received: hook.received,
  }
}
