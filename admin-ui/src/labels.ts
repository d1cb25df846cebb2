// Chinese names of API values that the app shows without the server's label beside them.

/** The review states' Chinese names, as lists and filters show them. */
export const REVIEW_STATES: Array<[string, string]> = [
  ['DRAFT', '草稿'],
  ['PENDING_FIRST_REVIEW', '待初审（承办人初审）'],
  ['PENDING_DEPARTMENT_REVIEW', '待审核（承办部门负责人）'],
  ['PENDING_UNIT_APPROVAL', '待审发（单位负责人）'],
  ['PENDING_REVIEW', '待审核（自定义环节）'],
  ['PUBLISHED', '已发布'],
  ['REJECTED', '已退回'],
  ['WITHDRAWN', '已撤回'],
]
const labels = new Map(REVIEW_STATES)
export const stateLabel = (state: string) => labels.get(state) ?? state
