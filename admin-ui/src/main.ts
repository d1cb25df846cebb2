import { createApp } from 'vue'
import './style.css'
import App from './App.vue'
import { loadLabels } from './labels'
import { router } from './router'
import { session } from './session'

// Element Plus components are imported where they are used (each view is its own chunk); their styles
// follow them (see the element-plus-styles plugin in vite.config.ts).
document.documentElement.classList.toggle('font-large', session.fontLarge)
// the names of codes arrive while the first view loads; a failure leaves codes as they are until a retry
void loadLabels().catch(() => {})
createApp(App).use(router).mount('#app')
