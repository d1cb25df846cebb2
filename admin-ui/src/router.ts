import { createRouter, createWebHistory } from 'vue-router'
import { auth } from './api'
import { loadMe, session } from './session'
import LoginView from './views/LoginView.vue'
import HomeView from './views/HomeView.vue'
import CatalogList from './views/CatalogList.vue'
import CatalogEdit from './views/CatalogEdit.vue'
import ReviewView from './views/ReviewView.vue'
import HistoryView from './views/HistoryView.vue'
import UsersView from './views/UsersView.vue'
import RegisterView from './views/RegisterView.vue'

export const router = createRouter({
  history: createWebHistory('/admin/'),
  routes: [
    { path: '/login', name: 'login', component: LoginView, meta: { public: true, title: '登录' } },
    { path: '/', name: 'home', component: HomeView, meta: { title: '待办事项' } },
    { path: '/catalog', name: 'catalog', component: CatalogList, meta: { title: '公开目录' } },
    { path: '/catalog/new', name: 'entry-new', component: CatalogEdit, meta: { title: '新建目录条目' } },
    { path: '/catalog/:id', name: 'entry-edit', component: CatalogEdit, props: true, meta: { title: '编辑目录条目' } },
    { path: '/review/:id', name: 'review', component: ReviewView, props: true, meta: { title: '审核' } },
    { path: '/history/:id', name: 'history', component: HistoryView, props: true, meta: { title: '版本与流转记录' } },
    { path: '/users', name: 'users', component: UsersView, meta: { title: '用户与角色' } },
    { path: '/register', name: 'register', component: RegisterView, meta: { title: '审查登记' } },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (!auth.token) return { name: 'login', query: { next: to.fullPath } }
  if (!session.me) {
    try {
      await loadMe(false)
    } catch {
      return { name: 'login', query: { next: to.fullPath } }
    }
    if (!session.me) return { name: 'login', query: { next: to.fullPath } }
  }
  return true
})

router.afterEach((to) => {
  document.title = `${(to.meta.title as string) || ''} - 政府信息公开管理后台`
})
