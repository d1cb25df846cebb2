// Editing a draft as staff do: checks before sending, a server error placed next to its field, two tabs
// saving the same version (the second meets a conflict and reloads), then the field diff and a revert.
export default async function editing(h) {
  const title = `E2E 冲突测试 ${Date.now()}`
  const a = await h.newPage()
  await h.login(a, 'demo-officer')
  await a.locator('[data-test="menu-new"]').click()
  await a.locator('#f-title').fill(title)
  await a.locator('#f-summary').fill('第一版概述。')
  await h.saveNew(a)
  const id = decodeURIComponent(a.url().split('/').pop())

  // the same draft open in a second tab (its own session), at version 1
  const b = await h.newPage()
  await h.login(b, 'demo-officer')
  await b.goto(`${h.base}/admin/catalog/${id}`)
  await b.locator('#f-summary').waitFor()

  // tab A saves version 2
  await a.locator('#f-summary').fill('第二版概述（甲）。')
  await a.locator('[data-test="save"]').click()
  await a.locator('[data-test="saved"]').getByText('第 2 版').waitFor()

  // tab B still holds version 1: its save is refused, explained, and it can reload
  await b.locator('#f-summary').fill('乙的修改。')
  await b.locator('[data-test="save"]').click()
  await b.locator('[data-test="conflict"]').waitFor()
  await h.shot(b, 'save-conflict')
  await b.locator('[data-test="conflict-reload"]').click()
  await b.waitForFunction(() => document.querySelector('#f-summary')?.value === '第二版概述（甲）。')
  h.check((await b.locator('[data-test="conflict"]').count()) === 0, 'conflict notice gone after reload')

  // checked before sending: an empty title never reaches the server
  await b.locator('#f-title').fill('')
  await b.locator('[data-test="save"]').click()
  const titleError = await b.locator('[data-test="error-f-title"]').textContent()
  h.check(titleError.includes('请填写名称'), `title error next to the field: ${titleError}`)
  h.check((await b.locator('#f-title').getAttribute('aria-invalid')) === 'true', 'title marked invalid')
  await b.locator('#f-title').fill(title)

  // an error only the server finds (extensions.field = keywords) is shown next to that field
  await b.locator('#f-keywords').fill('很'.repeat(51))
  await b.locator('[data-test="save"]').click()
  const keywordError = await b.locator('[data-test="error-f-keywords"]').textContent()
  h.check(keywordError.includes('主题词'), `server error next to keywords: ${keywordError}`)
  await h.shot(b, 'field-error-from-server')
  await b.locator('#f-keywords').fill('政务公开')
  await b.locator('#f-summary').fill('第三版概述（乙，重新加载后）。')
  await b.locator('[data-test="save"]').click()
  await b.locator('[data-test="saved"]').getByText('第 3 版').waitFor()

  // history: the diff of the last two versions, then back to version 1
  await b.locator('[data-test="to-history"]').click()
  await b.locator('[data-test="diff"]').getByText('第三版概述（乙，重新加载后）。').waitFor()
  const diffRows = await b.locator('[data-test="diff"] tbody tr').allTextContents()
  h.check(diffRows.some((r) => r.startsWith('内容概述') && r.includes('第二版概述（甲）。')), `diff rows: ${diffRows}`)
  await h.shot(b, 'history-diff')
  await b.locator('[data-test="revert-1"]').click()
  await b.locator('[data-test="history-info"]').getByText('已恢复到第 1 版').waitFor()
  await b.locator('[data-test="diff"]').getByText('第一版概述。').waitFor()
  await b.goto(`${h.base}/admin/catalog/${id}`)
  await b.waitForFunction(() => document.querySelector('#f-summary')?.value === '第一版概述。')
  return { id, title, diffRows }
}
