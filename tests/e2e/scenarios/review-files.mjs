// #17 "a reviewer opens a draft's PDF from the review screen". The officer uploads a PDF to a draft in a
// browser without crypto.subtle (as on a plain-HTTP intranet; the app hashes with hash-wasm in 4 MiB
// slices), submits it and passes 初审; the department head opens the review screen, where the draft's
// files are listed with links signed for them, and opens the PDF in a new tab: no Bearer header rides
// along a link, the signature alone (made for this reader, short-lived) lets the server answer.
function pdf(text, padding) {
  const stream = `BT /F1 24 Tf 72 720 Td (${text}) Tj ET`
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
  ]
  let out = '%PDF-1.4\n'
  const offsets = objects.map((body, i) => {
    const at = out.length
    out += `${i + 1} 0 obj\n${body}\nendobj\n`
    return at
  })
  const xref = out.length
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`
  for (const at of offsets) out += `${String(at).padStart(10, '0')} 00000 n \n`
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  // a comment after the end: more than one 4 MiB slice to hash, still a valid PDF
  return Buffer.concat([Buffer.from(out, 'latin1'), Buffer.from(`%${'x'.repeat(padding)}\n`, 'latin1')])
}

export default async function reviewFiles(h) {
  const title = `E2E 送审稿附件 ${Date.now()}`
  const filename = '送审稿（征求意见稿）.pdf'
  const data = pdf('Draft for review', 9 * 1024 * 1024)
  const org = (await h.api('demo-officer', '{ organization(key: "yn-gov-office") { id } }')).organization.id
  const created = await h.api(
    'demo-officer',
    'mutation($i: CatalogEntryInput!) { createCatalogEntry(input: $i) { id } }',
    { i: { organization: org, title, summary: '端到端测试：审核页打开送审稿附件。', topic: '综合政务\\政务公开' } },
  )
  const id = created.createCatalogEntry.id

  // the officer uploads the PDF where crypto.subtle does not exist
  const officer = await h.newPage()
  await officer.addInitScript(() => {
    Object.defineProperty(Crypto.prototype, 'subtle', { get: () => undefined, configurable: true })
  })
  await h.login(officer, 'demo-officer')
  const subtle = await officer.evaluate(() => typeof crypto.subtle)
  await officer.goto(`${h.base}/admin/catalog/${encodeURIComponent(id)}`)
  await officer.locator('#f-file').setInputFiles({ name: filename, mimeType: 'application/pdf', buffer: data })
  await officer.locator('[data-test="upload"]').click()
  await officer.locator('[data-test="attachments"]').getByText(filename).waitFor({ timeout: 60_000 })
  const uploadErrors = await officer.locator('[data-test="upload-error"]').count()
  let step = await h.act(officer, id, 'SUBMIT')
  h.check(step.after === '待初审', `submitted: ${step.after}`)
  step = await h.act(officer, id, 'APPROVE', '初审同意。')
  h.check(step.after === '待审核', `first review done: ${step.after}`)

  // the department head opens the review screen and the PDF from it
  const reviewer = await h.newPage()
  await h.login(reviewer, 'demo-dept-head')
  await reviewer.goto(`${h.base}/admin/review/${encodeURIComponent(id)}`)
  const link = reviewer.locator('[data-test="review-attachment"]')
  await link.waitFor()
  const href = await link.getAttribute('href')
  const served = []
  reviewer.context().on('response', (response) => {
    if (response.url() === href) served.push({ status: response.status(), type: response.headers()['content-type'] })
  })
  const [tab] = await Promise.all([reviewer.waitForEvent('popup'), link.click()])
  await tab.waitForLoadState('domcontentloaded').catch(() => {}) // the PDF viewer, or a download
  for (let i = 0; i < 100 && served.length === 0; i++) await reviewer.waitForTimeout(100)
  // and the same link fetched by the page itself: no Authorization header, only the signed address
  const fetched = await reviewer.evaluate(async (url) => {
    const response = await fetch(url, { credentials: 'omit' })
    const bytes = new Uint8Array(await response.arrayBuffer())
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      cache: response.headers.get('cache-control'),
      size: bytes.length,
      head: String.fromCharCode(...bytes.slice(0, 5)),
    }
  }, href)
  await h.shot(reviewer, 'review-draft-attachments')
  const unsigned = await reviewer.evaluate(async (url) => (await fetch(url.split('?')[0])).status, href)

  return {
    subtle,
    uploadErrors,
    linkText: await link.textContent(),
    target: await link.getAttribute('target'),
    signedParams: [...new URL(href).searchParams.keys()].sort(),
    tab: served[0] ?? null,
    fetched,
    expectedSize: data.length,
    unsigned,
  }
}
