// The other content types' editors: a gazette issue whose articles are reordered by keyboard, with its PDF
// uploaded as an attachment, and a second issue refused for taking the first one's number (the server's
// message next to the number field); an interview transcript reordered the same way, an interpretation
// linked to the document it explains; then an administrator adds, renames and removes a genre.

/** A one-page PDF with real text and a correct cross-reference table (the server renders its thumbnail). */
function tinyPdf(text) {
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
  return Buffer.from(out, 'latin1')
}

export default async function editors(h) {
  const stamp = Date.now()
  const page = await h.newPage()
  await h.login(page, 'demo-officer')

  // 政府公报: two articles, the second moved up with the keyboard, saved, and still first after a reload
  await page.locator('[data-test="menu-gazette"]').click()
  await page.locator('[data-test="list-new"]').click()
  await page.locator('#g-year').fill('2031')
  const number = String((stamp % 900) + 1)
  await page.locator('#g-number').fill(number)
  await page.locator('#g-number').press('Tab')
  await page.locator('#art-0-title').fill('关于甲事项的通知')
  await page.locator('[data-test="add-article"]').click()
  await page.locator('#art-1-title').fill('关于乙事项的决定')
  await page.locator('#art-1-up').focus()
  await page.keyboard.press('Enter')
  h.check((await page.locator('#art-0-title').inputValue()) === '关于乙事项的决定', 'moved up in the form')
  await page.locator('[data-test="save"]').click()
  await page.locator('[data-test="saved"]').waitFor()
  await page.waitForURL(/\/admin\/gazette\/(?!new$)[^/]+$/)
  await page.reload()
  await page.locator('#art-1-title').waitFor()
  const articles = [await page.locator('#art-0-title').inputValue(), await page.locator('#art-1-title').inputValue()]
  h.check(articles[0] === '关于乙事项的决定', `article order kept: ${articles}`)

  // the PDF: requestUpload → PUT with progress → completeUpload, listed without reloading the form
  const pdf = `云南省人民政府公报2031年第${number}期.pdf`
  await page.locator('#g-description').fill('（上传附件时仍在填写的说明）')
  await page.locator('#f-file').setInputFiles({ name: pdf, mimeType: 'application/pdf', buffer: tinyPdf(`Gazette 2031 No. ${number}`) })
  await page.locator('[data-test="upload"]').click()
  await page.locator('[data-test="attachments"]').getByText(pdf).waitFor()
  h.check((await page.locator('[data-test="upload-error"]').count()) === 0, 'no upload error')
  h.check((await page.locator('#g-description').inputValue()) === '（上传附件时仍在填写的说明）', 'typing kept through the upload')
  await h.shot(page, 'gazette-attachment')

  // another issue with the same year and number: GAZETTE_NUMBER_TAKEN is shown next to the number field
  await page.locator('[data-test="menu-gazette"]').click()
  await page.locator('[data-test="list-new"]').click()
  await page.locator('#g-year').fill('2031')
  await page.locator('#g-number').fill(number)
  await page.locator('#g-number').press('Tab')
  await page.locator('#art-0-title').fill('重复期号的公报文章')
  await page.locator('[data-test="save"]').click()
  const numberError = (await page.locator('[data-test="error-g-number"]').textContent()).trim()
  h.check(/已存在/.test(numberError), `number taken shown at the field: ${numberError}`)
  h.check(/\/admin\/gazette\/new$/.test(page.url()), 'nothing was created')
  await h.shot(page, 'gazette-number-taken')

  // 在线访谈: transcript turns in speaking order
  await page.locator('[data-test="menu-interviews"]').click()
  await page.locator('[data-test="list-new"]').click()
  await page.locator('#i-title').fill(`E2E 在线访谈 ${stamp}`)
  await page.locator('[data-test="add-turn"]').click()
  await page.locator('#turn-0-speaker').fill('主持人')
  await page.locator('#turn-0-text').fill('各位网友好，欢迎收看。')
  await page.locator('[data-test="add-turn"]').click()
  await page.locator('#turn-1-speaker').fill('张局长')
  await page.locator('#turn-1-text').fill('谢谢主持人。')
  await page.locator('[data-test="add-turn"]').click()
  await page.locator('#turn-2-speaker').fill('主持人')
  await page.locator('#turn-2-text').fill('（开场白之前的提示语）')
  await page.locator('#turn-2-up').focus()
  await page.keyboard.press('Enter')
  // the focus follows the moved turn to its new 上移 button: pressing again moves it further
  await page.waitForFunction(() => document.activeElement?.id === 'turn-1-up')
  await page.keyboard.press('Enter')
  await page.waitForFunction(() => document.activeElement?.id === 'turn-0-down') // at the top: 上移 is disabled
  await page.locator('[data-test="save"]').click()
  await page.locator('[data-test="saved"]').waitFor()
  await page.waitForURL(/\/admin\/interviews\/(?!new$)[^/]+$/)
  await page.reload()
  await page.locator('#turn-2-text').waitFor()
  const turns = await page.locator('[data-test="transcript"] textarea').evaluateAll((els) => els.map((e) => e.value))
  h.check(turns[0] === '（开场白之前的提示语）' && turns[1] === '各位网友好，欢迎收看。', `transcript order: ${turns}`)
  await h.shot(page, 'interview-transcript')

  // 政策解读 linked to the demo document by its 发文字号
  await page.locator('[data-test="menu-interpretations"]').click()
  await page.locator('[data-test="list-new"]').click()
  await page.locator('#p-title').fill(`E2E 政策解读 ${stamp}`)
  await page.locator('#p-lookup').fill(h.args.documentNumber)
  await page.locator('[data-test="link-entry"]').click()
  await page.locator('[data-test="interprets"]').getByText(h.args.documentNumber).waitFor()
  await page.locator('[data-test="save"]').click()
  await page.locator('[data-test="saved"]').waitFor()
  await page.waitForURL(/\/admin\/interpretations\/(?!new$)[^/]+$/)
  await h.logout(page)

  // 词表管理: add a genre, rename it, remove it
  await h.login(page, 'demo-admin')
  await page.locator('[data-test="menu-vocabularies"]').click()
  const label = `测试体裁${stamp % 10000}`
  await page.locator('#v-label').fill(label)
  await page.locator('[data-test="add-term"]').click()
  await page.locator('[data-test="vocab-info"]').getByText(`已添加“${label}”`).waitFor()
  await page.waitForFunction((l) => [...document.querySelectorAll('ol[aria-label="体裁"] input')].some((e) => e.value === l), label)
  const genres = page.locator('ol[aria-label="体裁"] > li')
  const index = (await genres.locator('input').evaluateAll((els) => els.map((e) => e.value))).indexOf(label)
  h.check(index >= 0, 'the new genre is listed')
  const row = genres.nth(index)
  await row.locator('input').fill(`${label}（改）`)
  await row.getByRole('button', { name: '保存名称' }).click()
  await page.locator('[data-test="vocab-info"]').getByText('改名为').waitFor()
  await h.shot(page, 'vocabularies')
  await page.getByRole('button', { name: `删除 ${label}（改）` }).click()
  await page.locator('[data-test="vocab-info"]').getByText('已删除').waitFor()
  return { articles, turns, attachment: pdf, numberError }
}
