// Calls the API from pages on other origins in Debian's Chromium (driven by playwright-core from
// admin-ui/node_modules): node cors.mjs <api base> <page url>... Prints "RESULT {...}": per page
// origin, what an anonymous read, a login and a read with the staff token came back with.
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(path.join(here, '..', '..', 'admin-ui', 'package.json'))
const { chromium } = require('playwright-core')

const [api, ...pageUrls] = process.argv.slice(2)
const browser = await chromium.launch({
  executablePath: process.env.E2E_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
})

// Runs in the page: every call is a real cross-origin fetch with the page's Origin.
async function calls({ api, password }) {
  async function post(query, token) {
    const headers = { 'content-type': 'application/json' }
    if (token) headers.authorization = `Bearer ${token}`
    try {
      const response = await fetch(`${api}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query }) })
      return { status: response.status, body: await response.json(), etag: response.headers.get('etag') }
    } catch (err) {
      return { failed: err.name }
    }
  }
  async function get(query) {
    try {
      const response = await fetch(`${api}/graphql?query=${encodeURIComponent(query)}`)
      return { status: response.status, body: await response.json(), etag: response.headers.get('etag') }
    } catch (err) {
      return { failed: err.name }
    }
  }
  const read = await post('{ catalog(first: 1) { totalCount } }')
  const cachedRead = await get('{ catalog(first: 1) { totalCount } }')
  const login = await post(`mutation { login(username: "demo-officer", password: "${password}") { token } }`)
  const token = login.body?.data?.login?.token ?? 'no-token'
  const me = await post('{ me { user { username } } }', token)
  return { read, cachedRead, me }
}

const results = {}
try {
  for (const url of pageUrls) {
    const page = await browser.newPage()
    await page.goto(url)
    results[new URL(url).origin] = await page.evaluate(calls, { api, password: process.env.E2E_PASSWORD ?? 'Gongkai-demo-2026' })
    await page.close()
  }
} finally {
  await browser.close()
}
console.log(`RESULT ${JSON.stringify(results)}`)
