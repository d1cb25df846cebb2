import { createApp } from 'vue'
import './style.css'
import App from './App.vue'
import { router } from './router'
import { session } from './session'

// Element Plus components are imported where they are used (each view is its own chunk); their styles
// follow them (see the element-plus-styles plugin in vite.config.ts).
document.documentElement.classList.toggle('font-large', session.fontLarge)
createApp(App).use(router).mount('#app')
