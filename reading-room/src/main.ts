import { createApp } from 'vue'
import { createRouter, createWebHistory } from 'vue-router'
import './style.css'
import App from './App.vue'
import HomeView from './views/HomeView.vue'
import { loadTerminal } from './terminal'
import { startOffline } from './offline'

// The home screen is in the entry bundle (the first screen of a cold terminal); the rest load on use.
const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes: [
    { path: '/', name: 'home', component: HomeView },
    { path: '/browse/:org', name: 'browse', component: () => import('./views/BrowseView.vue') },
    { path: '/list/:kind', name: 'list', component: () => import('./views/ListView.vue') },
    { path: '/item/:id', name: 'item', component: () => import('./views/ItemView.vue') },
    { path: '/search', name: 'search', component: () => import('./views/SearchView.vue') },
    { path: '/gazette', name: 'gazette', component: () => import('./views/GazetteView.vue') },
    { path: '/gazette/:year(\\d{4})', name: 'gazette-year', component: () => import('./views/GazetteView.vue') },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
  scrollBehavior: () => ({ top: 0 }),
})

// A kiosk offers no way out: no context menu, no dragging things out, no links to other sites.
document.addEventListener('contextmenu', (event) => event.preventDefault())
document.addEventListener('dragstart', (event) => event.preventDefault())
document.addEventListener(
  'click',
  (event) => {
    const link = (event.target as Element | null)?.closest?.('a[href]') as HTMLAnchorElement | null
    if (link && (link.origin !== location.origin || link.target || link.hasAttribute('download'))) {
      event.preventDefault()
    }
  },
  true,
)

void loadTerminal()
startOffline()
createApp(App).use(router).mount('#app')
