import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// Served by the Python server under /admin (cms/web/admin.py); `npm run dev` proxies /graphql to it.
export default defineConfig({
  base: '/admin/',
  plugins: [vue()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: { proxy: { '/graphql': 'http://127.0.0.1:8000' } },
})
