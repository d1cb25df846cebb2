import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// Served by the Python server under /reading-room (web/reading_room.py); `npm run dev` proxies the API.
export default defineConfig({
  base: '/reading-room/',
  plugins: [vue()],
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
