// 人员管理 and 审计日志 (#17): an administrator finds an account and disables it — the user's open session
// ends and they cannot sign in again — then enables it and resets its password, and the user must choose a
// new one at the next sign-in; the account's audit records list each change by name, and the chain verifies
// with a head hash.
export default async function people(h) {
  const username = `e2e-p-${Date.now()}`
  const displayName = `停用测试员${String(Date.now()).slice(-5)}`
  const password = 'E2e-People-2026a'
  const root = (await h.api('demo-admin', 'query { organization(key: "yn-gov") { id } }')).organization.id
  await h.api(
    'demo-admin',
    'mutation($u: String!, $p: String!, $o: ID!, $n: String!) { createUser(username: $u, password: $p, organization: $o, displayName: $n) { id } }',
    { u: username, p: password, o: root, n: displayName },
  )
  const id = (await h.api('demo-admin', 'query($q: String!) { searchUsers(query: $q) { id } }', { q: username })).searchUsers[0].id
  await h.api('demo-admin', 'mutation($i: RoleGrantInput!) { grantRole(input: $i) { role } }', {
    i: { user: id, role: 'OFFICER', organization: root, subtree: false },
  })

  // the user is signed in when the administrator disables the account
  const user = await h.newPage()
  await h.login(user, username, password)

  const admin = await h.newPage()
  await h.login(admin, 'demo-admin')
  await admin.locator('[data-test="menu-people"]').click()
  await admin.locator('[data-test="people"]').waitFor()
  await admin.locator('#people-query').fill(username)
  await admin.locator('[data-test="people-search"]').click()
  const row = admin.locator('[data-test="people"] tr', { hasText: username })
  await row.waitFor()
  const grants = (await row.locator('[data-test="people-grant"]').allTextContents()).map((t) => t.trim())
  await row.getByRole('button', { name: `停用 ${username}` }).click()
  await admin.locator('[data-test="people-info"]').getByText('已停用账号').waitFor()
  const disabledState = (await row.locator('[data-test="people-state"]').textContent()).trim()
  await h.shot(admin, 'people-disabled')

  // the open session has ended: the next page load goes to the login page, and signing in is refused
  await user.reload()
  await user.locator('#login-username').waitFor()
  await user.locator('#login-username').fill(username)
  await user.locator('#login-password').fill(password)
  await user.getByRole('button', { name: '登录', exact: true }).click()
  const refused = (await user.locator('[data-test="login-error"]').textContent()).trim()

  // enabled again, the account signs in; then a password reset
  await row.getByRole('button', { name: `启用 ${username}` }).click()
  await admin.locator('[data-test="people-info"]').getByText('已启用账号').waitFor()
  await h.login(user, username, password)
  await row.getByRole('button', { name: `重置 ${username} 的密码` }).click()
  await admin.locator('#reset-password').fill('short')
  await admin.locator('[data-test="reset-submit"]').click()
  const weak = (await admin.locator('[data-test="error-reset-password"]').textContent()).trim()
  await admin.locator('#reset-password').fill('Temp-reset-2026b')
  await admin.locator('[data-test="reset-submit"]').click()
  await admin.locator('[data-test="people-info"]').getByText('已重置').waitFor()
  await row.getByText('须修改密码').waitFor()

  // signing in with the temporary password opens 修改密码 before anything else
  await h.login(user, username, 'Temp-reset-2026b')
  await user.waitForURL(/\/admin\/password/)
  const required = (await user.locator('[data-test="password-required"]').textContent()).trim()
  await user.locator('#pw-current').fill('Not-the-password-1')
  await user.locator('#pw-new').fill('Own-choice-2026c')
  await user.locator('#pw-again').fill('Own-choice-2026c')
  await user.locator('[data-test="password-submit"]').click()
  const wrongCurrent = (await user.locator('[data-test="error-pw-current"]').textContent()).trim()
  await user.locator('#pw-current').fill('Temp-reset-2026b')
  await user.locator('[data-test="password-submit"]').click()
  await user.locator('[data-test="worklist"]').waitFor()
  await h.shot(user, 'password-changed')

  // the audit log: this account's changes (linked from its row), newest first, under its display name
  await row.locator('[data-test="people-audit"]').click()
  await admin.locator('[data-test="audit-target"]').waitFor()
  const mine = admin.locator('[data-test="audit-log"] tbody tr')
  await mine.nth(5).waitFor() // its role grant too
  const actions = []
  for (const text of await mine.allTextContents()) {
    actions.push(['新建账号', '授予角色', '停用账号', '启用账号', '重置密码', '修改密码'].find((a) => text.includes(a)) ?? text)
  }
  const total = (await admin.locator('[data-test="audit-total"]').textContent()).trim()
  const actors = (await admin.locator('[data-test="audit-log"] tbody tr td:nth-child(3)').allTextContents()).map((t) => t.trim())
  const time = (await mine.first().locator('td').nth(1).textContent()).trim()
  await admin.locator('[data-test="audit-verify"]').click()
  const headHash = (await admin.locator('[data-test="audit-head-hash"]').textContent()).trim()
  const verified = (await admin.locator('[data-test="audit-verification"]').textContent()).trim()
  await h.shot(admin, 'audit-log')

  // the whole log filtered by action: this account's disabling is among the 停用账号 records
  await admin.getByRole('button', { name: '显示全部' }).click()
  await admin.locator('[data-test="audit-target"]').waitFor({ state: 'detached' })
  await admin.locator('[data-test="audit-action"]').selectOption('user.disable')
  await admin.locator('[data-test="audit-search"]').click()
  // the account's records give way to its one 停用账号 record once the filtered page is shown
  await admin.waitForFunction(
    (name) => [...document.querySelectorAll('[data-test="audit-log"] tbody tr')].filter((tr) => tr.textContent.includes(name)).length === 1,
    username,
  )
  const filtered = await admin.locator('[data-test="audit-log"] tbody tr').allTextContents()
  const onlyDisabling = filtered.every((text) => text.includes('停用账号'))
  return { username, displayName, grants, disabledState, refused, weak, required, wrongCurrent, actions, total, actors, time, headHash, verified, onlyDisabling }
}
