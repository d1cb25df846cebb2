/**
 * Pinyin input for the on-screen keyboard: the letters typed so far (toneless pinyin, ü as v) become
 * candidate characters and words. The dictionary (pinyin-dict.txt, made by tools/pinyin-dict.mjs from
 * jieba's word frequencies) has one line per pinyin key, the likeliest lines first.
 */
export interface Candidates {
  words: string[]
  consumed: number // how many letters of the buffer a chosen candidate stands for
}

export class PinyinIme {
  private readonly keys: string[] = []
  private readonly words = new Map<string, string[]>()

  constructor(dictionary: string) {
    for (const line of dictionary.split('\n')) {
      const [key, ...words] = line.split(' ')
      if (!key || !words.length) continue
      this.keys.push(key)
      this.words.set(key, words)
    }
  }

  /**
   * The candidates for what has been typed: the words of exactly that pinyin, then of longer pinyin
   * starting with it (zhengc → 政策, 正常 …); when nothing starts with it, the words of its longest
   * leading syllables (zhengcewenj → 政策 for "zhengce", then 文件 for what is left).
   */
  candidates(buffer: string, limit = 40): Candidates {
    if (!buffer) return { words: [], consumed: 0 }
    const found = [...(this.words.get(buffer) ?? [])]
    for (const key of this.keys) {
      if (found.length >= limit) break
      if (key !== buffer && key.startsWith(buffer)) found.push(this.words.get(key)![0])
    }
    if (found.length) return { words: [...new Set(found)].slice(0, limit), consumed: buffer.length }
    for (let end = buffer.length - 1; end > 0; end--) {
      const words = this.words.get(buffer.slice(0, end))
      if (words) return { words: words.slice(0, limit), consumed: end }
    }
    return { words: [], consumed: 0 }
  }
}
