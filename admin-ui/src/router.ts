import { createRouter, createWebHistory } from 'vue-router'
import { auth } from './api'
import { loadMe, session } from './session'
// Each page is its own chunk, loaded when first opened.

export const router = createRouter({
  history: createWebHistory('/admin/'),
  routes: [
    { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true, title: '登录' } },
    { path: '/', name: 'home', component: () => import('./views/HomeView.vue'), meta: { title: '待办事项' } },
    { path: '/catalog', name: 'catalog', component: () => import('./views/CatalogList.vue'), meta: { title: '公开目录' } },
    { path: '/catalog/new', name: 'entry-new', component: () => import('./views/CatalogEdit.vue'), meta: { title: '新建目录条目' } },
    { path: '/catalog/:id', name: 'entry-edit', component: () => import('./views/CatalogEdit.vue'), props: true, meta: { title: '编辑目录条目' } },
    { path: '/interpretations/new', name: 'interpretation-new', component: () => import('./views/InterpretationEdit.vue'), meta: { title: '新建政策解读' } },
    { path: '/interpretations/:id', name: 'interpretation-edit', component: () => import('./views/InterpretationEdit.vue'), props: true, meta: { title: '编辑政策解读' } },
    { path: '/gazette/new', name: 'gazette-new', component: () => import('./views/GazetteEdit.vue'), meta: { title: '新建政府公报' } },
    { path: '/gazette/:id', name: 'gazette-edit', component: () => import('./views/GazetteEdit.vue'), props: true, meta: { title: '编辑政府公报' } },
    { path: '/interviews/new', name: 'interview-new', component: () => import('./views/InterviewEdit.vue'), meta: { title: '新建访谈' } },
    { path: '/interviews/:id', name: 'interview-edit', component: () => import('./views/InterviewEdit.vue'), props: true, meta: { title: '编辑访谈' } },
    { path: '/vocabularies', name: 'vocabularies', component: () => import('./views/VocabulariesView.vue'), meta: { title: '词表管理' } },
    { path: '/interpretations', name: 'interpretations', component: () => import('./views/ContentList.vue'), props: { kind: 'interpretations' }, meta: { title: '政策解读' } },
    { path: '/gazette', name: 'gazette', component: () => import('./views/ContentList.vue'), props: { kind: 'gazette' }, meta: { title: '政府公报' } },
    { path: '/interviews', name: 'interviews', component: () => import('./views/ContentList.vue'), props: { kind: 'interviews' }, meta: { title: '在线访谈与新闻发布会' } },
    { path: '/review/:id', name: 'review', component: () => import('./views/ReviewView.vue'), props: true, meta: { title: '审核' } },
    { path: '/history/:id', name: 'history', component: () => import('./views/HistoryView.vue'), props: true, meta: { title: '版本与流转记录' } },
    { path: '/users', name: 'users', component: () => import('./views/UsersView.vue'), meta: { title: '用户与角色' } },
    { path: '/organizations', name: 'organizations', component: () => import('./views/OrgsView.vue'), meta: { title: '机构管理' } },
    { path: '/compliance', name: 'compliance', component: () => import('./views/ComplianceView.vue'), meta: { title: '合规看板' } },
    { path: '/reading-room-statistics', name: 'reading-room-statistics', component: () => import('./views/ReadingRoomStatsView.vue'), meta: { title: '查阅统计' } },
    { path: '/annual-report', name: 'annual-report', component: () => import('./views/AnnualReportView.vue'), meta: { title: '年度报告' } },
    { path: '/import', name: 'import', component: () => import('./views/ImportView.vue'), meta: { title: '导入目录' } },
    { path: '/register', name: 'register', component: () => import('./views/RegisterView.vue'), meta: { title: '审查登记' } },
    { path: '/register-heads', name: 'register-heads', component: () => import('./views/RegisterHeadsView.vue'), meta: { title: '登记簿校验' } },
    { path: '/password', name: 'password', component: () => import('./views/ChangePasswordView.vue'), meta: { title: '修改密码' } },
    { path: '/people', name: 'people', component: () => import('./views/PeopleView.vue'), meta: { title: '人员管理' } },
    { path: '/audit', name: 'audit', component: () => import('./views/AuditLogView.vue'), meta: { title: '审计日志' } },
    { path: '/webhooks', name: 'webhooks', component: () => import('./views/WebhooksView.vue'), meta: { title: '推送地址' } },
    { path: '/calendar', name: 'calendar', component: () => import('./views/CalendarView.vue'), meta: { title: '节假日日历' } },
    { path: '/requests', name: 'requests', component: () => import('./views/RequestsView.vue'), meta: { title: '依申请公开' } },
    { path: '/requests/:id', name: 'request', component: () => import('./views/RequestView.vue'), props: true, meta: { title: '依申请公开申请' } },
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
  // after an administrator's reset the server refuses everything but changing the password
  if (session.me.user.mustChangePassword && to.name !== 'password') return { name: 'password', query: { next: to.fullPath } }
  return true
})

router.afterEach((to) => {
  document.title = `${(to.meta.title as string) || ''} - 政府信息公开管理后台`
})
