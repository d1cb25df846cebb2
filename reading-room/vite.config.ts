import { createHash } from 'node:crypto'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'

/** pdf.js's CMaps (Chinese PDFs need them) and standard fonts, served from the app's own origin. */
function pdfjsData(): Plugin {
  return {
    name: 'gongkai-pdfjs-data',
    apply: 'build',
    writeBundle(options) {
      for (const folder of ['cmaps', 'standard_fonts']) {
        cpSync(`node_modules/pdfjs-dist/${folder}`, `${options.dir}/pdfjs/${folder}`, { recursive: true })
      }
    },
  }
}

/** The service worker (sw/sw.js) with the build's files as the app shell it caches at install. */
function serviceWorker(): Plugin {
  return {
    name: 'gongkai-service-worker',
    apply: 'build',
    writeBundle(options, bundle) {
      const shell = ['/reading-room/', ...Object.keys(bundle).filter((f) => !f.endsWith('.html') && !f.endsWith('.map')).map((f) => `/reading-room/${f}`)]
      const version = createHash('sha256').update(shell.join('\n')).digest('hex').slice(0, 12)
      const source = readFileSync('sw/sw.js', 'utf8')
        .replace('self.__SHELL__', JSON.stringify(shell))
        .replace('self.__VERSION__', JSON.stringify(version))
      writeFileSync(`${options.dir}/sw.js`, source)
    },
  }
}

// Served by the Python server under /reading-room (web/reading_room.py); `npm run dev` proxies the API.
export default defineConfig({
  base: '/reading-room/',
  plugins: [vue(), pdfjsData(), serviceWorker()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 150 },
  server: {
    proxy: {
      '/graphql': 'http://127.0.0.1:8000',
      '/files': 'http://127.0.0.1:8000',
      '/thumbnails': 'http://127.0.0.1:8000',
      '/reading-room/terminal.json': 'http://127.0.0.1:8000',
    },
  },
})
