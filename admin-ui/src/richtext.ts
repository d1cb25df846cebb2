// Rich bodies (bodyHtml): what the editor lets in before the server's sanitizer (cms/content/richtext.py)
// has its say. The server's allow-list is the rule; these only keep the editor from showing what would be
// dropped on save (a javascript: link, a Word style), so that what staff see is what gets stored.

/** Link targets the server keeps: the web over http/https, and this server's attachment files. */
export function isAllowedHref(url: string): boolean {
  const value = url.trim()
  return /^https?:\/\/[^\s/]/i.test(value) || /^\/files\/[0-9a-f]{24}\/[^/?#]+$/.test(value)
}

// Attributes worth keeping from a paste; every other one (style, class, lang, mso-*, align, width…) goes.
const KEPT: Record<string, string[]> = {
  A: ['href', 'title'],
  TD: ['colspan', 'rowspan'],
  TH: ['colspan', 'rowspan'],
  OL: ['start'],
}
// Removed with their content: office documents carry their style sheets and XML islands in the paste.
const DROPPED = 'style, script, meta, link, title, xml, template, object, iframe, svg, math'
// Kept for their text only: Word/WPS wrap runs of text in these just to style them.
const UNWRAPPED = new Set(['FONT', 'SPAN'])

/**
 * HTML pasted from Word or WPS with its structure (paragraphs, headings, lists, tables, links) and
 * without its looks: no style or class attributes, no <font>/<span> wrappers, no mso-* styles, no
 * Office namespace tags (<o:p>), comments or conditional comments. The editor's schema then drops
 * whatever else it has no node for.
 */
export function cleanPastedHtml(html: string): string {
  const doc = new DOMParser().parseFromString(html, 'text/html')
  doc.querySelectorAll(DROPPED).forEach((el) => el.remove())
  removeComments(doc.body)
  for (const el of Array.from(doc.body.querySelectorAll('*'))) {
    if (UNWRAPPED.has(el.tagName) || el.tagName.includes(':')) {
      el.replaceWith(...Array.from(el.childNodes))
      continue
    }
    const kept = KEPT[el.tagName] ?? []
    for (const name of el.getAttributeNames()) if (!kept.includes(name)) el.removeAttribute(name)
    if (el.tagName === 'A' && !isAllowedHref(el.getAttribute('href') ?? '')) el.removeAttribute('href')
  }
  return doc.body.innerHTML
}

function removeComments(root: Node) {
  const walker = (root.ownerDocument ?? document).createTreeWalker(root, NodeFilter.SHOW_COMMENT)
  const comments: Node[] = []
  while (walker.nextNode()) comments.push(walker.currentNode)
  comments.forEach((c) => c.parentNode?.removeChild(c))
}
