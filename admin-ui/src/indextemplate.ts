// Index-number (索引号) templates as the server reads them (cms/index_numbers.py): placeholders {code},
// {key}, {year}, {month:02d} and exactly one {seq:0Nd}. Checked and previewed here before saving; the
// server checks again.

export const PLACEHOLDERS: Array<[string, string]> = [
  ['{code}', '机构代码（统一社会信用代码或组织机构代码）'],
  ['{key}', '机构标识'],
  ['{year}', '年份，如 2026'],
  ['{month:02d}', '月份，两位，如 03（含月份时流水号每月重新编号）'],
  ['{seq:05d}', '流水号，此处为 5 位补零；必须且只能有一个'],
]

export const COMMON_TEMPLATES: Array<[string, string]> = [
  ['机构代码/年份-5位流水', '{code}/{year}-{seq:05d}'],
  ['统一社会信用代码/年月-流水', '{code}/{year}{month:02d}-{seq:05d}'],
]

const FIELDS = new Set(['code', 'key', 'year', 'month', 'seq'])
const TOKEN = /\{([^{}]*)\}/g

/** The problem with a template, in the server's words, or null when it is acceptable. */
export function templateProblem(text: string): string | null {
  if (!text || text.length > 120) return '索引号模板不能为空，且不超过 120 个字符。'
  const stripped = text.replace(TOKEN, '')
  if (/[{}]/.test(stripped)) return '索引号模板的花括号不匹配。'
  let seqs = 0
  for (const [, inner] of text.matchAll(TOKEN)) {
    const [name, spec = ''] = inner.split(':', 2)
    if (!FIELDS.has(name) || !/^(0\d{1,2}d)?$/.test(spec)) return `索引号模板含有不支持的占位符：{${inner}}`
    if (name === 'seq') seqs++
  }
  return seqs === 1 ? null : '索引号模板必须恰好含有一个流水号 {seq}。'
}

/** How a number drawn from the template looks, for an organization, today and a given sequence. */
export function renderTemplate(text: string, org: { code: string; key: string }, seq = 1, on = new Date()): string {
  const values: Record<string, number | string> = { code: org.code, key: org.key, year: on.getFullYear(), month: on.getMonth() + 1, seq }
  return text.replace(TOKEN, (_, inner: string) => {
    const [name, spec = ''] = inner.split(':', 2)
    const value = String(values[name] ?? '')
    const width = spec ? Number(spec.slice(1, -1)) : 0
    return value.padStart(width, '0')
  })
}

/** The period the sequence restarts in, as the server decides it. */
export function templatePeriod(text: string): string {
  if (text.includes('{month')) return '流水号每月从 1 开始'
  if (text.includes('{year')) return '流水号每年从 1 开始'
  return '流水号不重新开始'
}
