// Runs one browser scenario against a running server: node run.mjs <scenario> (env E2E_BASE_URL,
// E2E_SCREENSHOTS, E2E_PASSWORD, E2E_ARGS as JSON). Prints one JSON line "RESULT {...}" for pytest.
// Chromium is Debian's (/usr/bin/chromium), driven by playwright-core from admin-ui/node_modules.
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(path.join(here, '..', '..', 'admin-ui', 'package.json'))
const { chromium } = require('playwright-core')

const name = process.argv[2]
const base = (process.env.E2E_BASE_URL ?? 'http://127.0.0.1:8000').replace(/\/$/, '')
const shots = process.env.E2E_SCREENSHOTS ?? path.join(here, 'screenshots')
const password = process.env.E2E_PASSWORD ?? 'Gongkai-demo-2026'
const args = JSON.parse(process.env.E2E_ARGS ?? '{}')

const browser = await chromium.launch({
  executablePath: process.env.E2E_CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
})

const tokens = {}
const pages = []
async function gql(token, query, variables) {
  const headers = { 'content-type': 'application/json' }
  if (token) headers.authorization = `Bearer ${token}`
  const response = await fetch(`${base}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) })
  const body = await response.json()
  if (body.errors) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`)
  return body.data
}

/** Helpers shared by the scenarios. */
const h = {
  base,
  password,
  args,
  async newPage(options = {}) {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 900 }, acceptDownloads: true, ...options })
    context.setDefaultTimeout(20_000)
    const page = await context.newPage()
    pages.push(page)
    page.on('pageerror', (err) => console.error(`[page error] ${err.message}`))
    return page
  },
  async shot(page, file) {
    await page.screenshot({ path: path.join(shots, `${file}.png`), fullPage: true })
  },
  async login(page, username, pass = password) {
    await page.goto(`${base}/admin/login`)
    await page.locator('#login-username').fill(username)
    await page.locator('#login-password').fill(pass)
    await page.getByRole('button', { name: '登录', exact: true }).click()
    await page.locator('[data-test="current-user"]').waitFor()
  },
  async logout(page) {
    await page.getByRole('button', { name: '退出登录' }).click()
    await page.locator('#login-username').waitFor()
  },
  /** Picks an option of an Element Plus select by its visible text. */
  async choose(page, inputSelector, optionText) {
    const option = page.locator('.el-select-dropdown__item:visible', { hasText: optionText }).first()
    await page.locator(inputSelector).click({ force: true }) // the placeholder overlays the input
    // under load the click can miss the opening; ArrowDown opens the list and never closes it
    for (let attempt = 0; attempt < 3 && !(await option.isVisible()); attempt++) {
      await option.waitFor({ timeout: 3000 }).catch(async () => {
        await page.locator(inputSelector).focus()
        await page.keyboard.press('ArrowDown')
      })
    }
    await option.click()
  },
  /** Opens an item's review page from the worklist and performs an action there. */
  async act(page, id, action, opinion = '') {
    await page.goto(`${base}/admin/review/${id}`)
    await page.locator('[data-test="review-item"]').waitFor()
    const before = await page.locator('[data-test="review-state"]').textContent()
    if (opinion) await page.locator('#r-opinion').fill(opinion)
    await page.locator(`[data-test="action-${action}"]`).click()
    await page.locator('[data-test="review-done"], [data-test="review-error"], .field-error').first().waitFor()
    const error = page.locator('[data-test="review-error"], .field-error')
    if (await error.count()) throw new Error(`${action} failed: ${await error.first().textContent()}`)
    const after = await page.locator('[data-test="review-state"]').textContent()
    return { before, after }
  },
  /** Saves a new entry in the editor; fails with the app's own message when saving fails. */
  async saveNew(page) {
    await page.locator('[data-test="save"]').click()
    await page.locator('[data-test="saved"], [data-test="edit-error"], .field-error').first().waitFor()
    const error = page.locator('[data-test="edit-error"], .field-error')
    if (await error.count()) throw new Error(`saving failed: ${await error.first().textContent()}`)
    await page.waitForURL(/\/admin\/catalog\/(?!new$)[^/]+$/, { waitUntil: 'commit' })
  },
  /** Calls /graphql as a demo account (for setting up data a scenario is not about); throws on errors. */
  async api(username, query, variables = {}) {
    tokens[username] ??= (await gql(null, 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: username, p: password })).login.token
    return gql(tokens[username], query, variables)
  },
  check(condition, message) {
    if (!condition) throw new Error(`check failed: ${message}`)
  },
}

let code = 0
try {
  const scenario = await import(pathToFileURL(path.join(here, 'scenarios', `${name}.mjs`)).href)
  const result = await scenario.default(h)
  console.log(`RESULT ${JSON.stringify(result ?? {})}`)
} catch (err) {
  console.error(err?.stack ?? String(err))
  code = 1
  // what each page showed when it failed, next to the other screenshots
  for (const [i, page] of pages.entries()) {
    await page.screenshot({ path: path.join(shots, `failed-${name}-${i}.png`), fullPage: true }).catch(() => {})
    console.error(`page ${i}: ${page.url()} (screenshot failed-${name}-${i}.png)`)
  }
} finally {
  await browser.close()
}
process.exit(code)
