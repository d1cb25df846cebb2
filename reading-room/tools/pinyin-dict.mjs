// Generates src/keyboard/pinyin-dict.txt, the on-screen keyboard's pinyin candidates (see
// docs/adr/0009-reading-room-pinyin-keyboard.md): the most frequent characters and words of jieba's
// dictionary (the segmenter the server's search already uses, so a candidate is a word the search
// knows), each under its toneless pinyin from pinyin-pro (which resolves polyphones per word: 银行 → yinhang).
// Usage: node tools/pinyin-dict.mjs PATH/TO/jieba/dict.txt   (jieba ships it: .venv/lib/python3.*/site-packages/jieba/dict.txt)
// Output: one line per pinyin key, "key word word …", words by falling frequency, and the lines by the
// falling frequency of their first word (so a prefix scan meets the likelier candidates first).
import { readFileSync, writeFileSync } from 'node:fs'
import { pinyin } from 'pinyin-pro'

const CHARACTERS = 4000 // the common characters (GB 2312 level 1 has 3755)
const WORDS = 16000 // two- to four-character words
const HAN = /^[\u4e00-\u9fff]+$/

/** The 6763 characters of GB 2312 (simplified, in common use): jieba's dictionary has traditional ones too. */
function gb2312() {
  const bytes = []
  for (let hi = 0xb0; hi <= 0xf7; hi++) for (let lo = 0xa1; lo <= 0xfe; lo++) bytes.push(hi, lo)
  return new Set(new TextDecoder('gbk').decode(new Uint8Array(bytes)))
}
const COMMON = gb2312()

const source = process.argv[2]
if (!source) {
  console.error('usage: node tools/pinyin-dict.mjs PATH/TO/jieba/dict.txt')
  process.exit(2)
}
const entries = readFileSync(source, 'utf8')
  .split('\n')
  .map((line) => line.split(' '))
  .filter(([word, freq]) => word && HAN.test(word) && [...word].every((c) => COMMON.has(c)) && word.length <= 4 && Number(freq) > 0)
  .map(([word, freq]) => ({ word, freq: Number(freq) }))
  .sort((a, b) => b.freq - a.freq)

const chosen = [
  ...entries.filter((e) => e.word.length === 1).slice(0, CHARACTERS),
  ...entries.filter((e) => e.word.length > 1).slice(0, WORDS),
]
const byKey = new Map()
for (const { word, freq } of chosen) {
  const key = pinyin(word, { toneType: 'none', type: 'array', v: true }).join('')
  if (!/^[a-z]+$/.test(key)) continue
  const list = byKey.get(key) ?? []
  list.push({ word, freq })
  byKey.set(key, list)
}
const lines = [...byKey.entries()]
  .map(([key, list]) => ({ key, list: list.sort((a, b) => b.freq - a.freq) }))
  .sort((a, b) => b.list[0].freq - a.list[0].freq || (a.key < b.key ? -1 : 1))
  .map(({ key, list }) => `${key} ${list.map((e) => e.word).join(' ')}`)
writeFileSync(new URL('../src/keyboard/pinyin-dict.txt', import.meta.url), `${lines.join('\n')}\n`)
console.log(`${lines.length} keys, ${chosen.length} characters and words`)
