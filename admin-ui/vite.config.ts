import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'

const ELEMENT_PLUS = fileURLToPath(new URL('./node_modules/element-plus/es/components/', import.meta.url))

/**
 * Element Plus on demand without another dependency: the app imports components by name from
 * 'element-plus' where it uses them (tree-shaken per chunk); this adds the matching stylesheet
 * (element-plus/es/components/<name>/style/css) next to each such import, so every route's chunk
 * carries the CSS of the components it renders and nothing else.
 */
function elementPlusStyles(): Plugin {
  const imports = /import\s*\{([^}]*)\}\s*from\s*['"]element-plus['"]/g
  const dirOf = (name: string) =>
    name === 'vLoading'
      ? 'loading'
      : name.replace(/^El/, '').replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()
  return {
    name: 'element-plus-styles',
    transform(code, id) {
      if (id.includes('/node_modules/') || !/\.(vue|ts)$/.test(id)) return null
      const dirs = new Set<string>()
      for (const [, names] of code.matchAll(imports)) {
        for (const raw of names.split(',')) {
          const name = raw.trim().split(/\s+as\s+/)[0]
          if (name && existsSync(`${ELEMENT_PLUS}${dirOf(name)}/style/css.mjs`)) dirs.add(dirOf(name))
        }
      }
      if (!dirs.size) return null
      const styles = [...dirs].sort().map((d) => `import 'element-plus/es/components/${d}/style/css';`)
      return { code: `${styles.join('\n')}\n${code}`, map: null }
    },
  }
}

// Served by the Python server under /admin (web/admin.py); `npm run dev` proxies /graphql to it.
export default defineConfig({
  base: '/admin/',
  plugins: [vue(), elementPlusStyles()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 500 },
  server: { proxy: { '/graphql': 'http://127.0.0.1:8000' } },
})
