// An administrator creates an account and grants it the 承办人 role; the grantee's menu changes; revoking
// the role takes the menu entries away again.
export default async function grant(h) {
  const username = `e2e-${Date.now()}`
  const password = 'E2e-Password-2026!'
  const admin = await h.newPage()
  await h.login(admin, 'demo-admin')
  await admin.locator('[data-test="menu-users"]').click()
  await admin.locator('[data-test="users"]').waitFor()
  await admin.locator('#n-username').fill(username)
  await admin.locator('#n-name').fill('端到端测试员')
  await admin.locator('#n-password').fill(password)
  await admin.locator('[data-test="create-user"]').click()
  await admin.locator('[data-test="users-info"]').getByText(username).waitFor()

  // the new account has no role: only the worklist in its menu
  const user = await h.newPage()
  await h.login(user, username, password)
  await user.locator('[data-test="menu-home"]').waitFor()
  const before = await user.locator('[data-test="menu"] li').allTextContents()
  h.check(!before.some((t) => t.includes('新建目录条目')), `menu before grant: ${before}`)

  await admin.locator('[data-test="grant-user"]').selectOption({ label: `端到端测试员（${username}）` })
  await admin.locator('[data-test="grant-role"]').selectOption('OFFICER')
  await admin.locator('[data-test="grant-submit"]').click()
  await admin.locator('[data-test="users-info"]').getByText('已授予角色').waitFor()
  await admin.locator('[data-test="grants"]').getByText('端到端测试员').first().waitFor()
  await h.shot(admin, 'users-and-roles')

  await user.reload()
  await user.locator('[data-test="menu-new"]').waitFor()
  const after = await user.locator('[data-test="menu"] li').allTextContents()
  h.check(after.some((t) => t.includes('新建目录条目')), `menu after grant: ${after}`)
  await h.shot(user, 'menu-after-grant')

  await admin.getByRole('button', { name: `撤销 ${username} 的` }).click()
  await admin.locator('[data-test="users-info"]').getByText('已撤销角色').waitFor()
  await admin.locator('[data-test="grants"]').getByText('端到端测试员').first().waitFor({ state: 'detached' })
  await user.reload()
  await user.locator('[data-test="menu-home"]').waitFor()
  const revoked = await user.locator('[data-test="menu"] li').allTextContents()
  h.check(!revoked.some((t) => t.includes('新建目录条目')), `menu after revoke: ${revoked}`)
  return { username, before, after, revoked }
}
