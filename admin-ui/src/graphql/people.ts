// The operations of the people, audit log and holiday calendar screens (#17), beside operations.ts so
// that each screen's documents stay together; codegen reads every file under src/graphql/.
import { graphql } from '../generated'

export const SEARCH_USERS = graphql(`
  query SearchUsers($query: String!, $first: Int!) {
    searchUsers(query: $query, first: $first) {
      id
      username
      displayName
      active
      mustChangePassword
      lastLogin
      organization { id name }
      grants { role roleLabel subtree organization { id name } }
    }
  }
`)

export const DISABLE_USER = graphql(`
  mutation DisableUser($id: ID!) {
    disableUser(id: $id) { id active }
  }
`)

export const ENABLE_USER = graphql(`
  mutation EnableUser($id: ID!) {
    enableUser(id: $id) { id active }
  }
`)

export const RESET_PASSWORD = graphql(`
  mutation ResetPassword($id: ID!, $password: String!) {
    resetPassword(id: $id, password: $password) { id mustChangePassword }
  }
`)

export const UNLOCK_USER = graphql(`
  mutation UnlockUser($id: ID!) {
    unlockUser(id: $id) { id }
  }
`)

export const AUDIT_LOG = graphql(`
  query AuditLog($filter: AuditLogFilter, $first: Int!, $after: String) {
    auditLog(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          seq
          at
          action
          actionLabel
          targetType
          targetTypeLabel
          targetLabel
          actorDisplayName
          before
          after
          organization { id name }
        }
      }
    }
  }
`)

export const AUDIT_LOG_EXPORT = graphql(`
  query AuditLogExport($filter: AuditLogFilter) {
    auditLogExport(filter: $filter)
  }
`)

export const VERIFY_AUDIT_LOG = graphql(`
  query VerifyAuditLog {
    verifyAuditLog { ok checked firstBadSeq reason headHash }
  }
`)

export const HOLIDAY_CALENDAR = graphql(`
  query HolidayCalendar($year: Int!) {
    holidayCalendar(year: $year) { year present days { date kind name } }
  }
`)

export const SET_HOLIDAY_CALENDAR = graphql(`
  mutation SetHolidayCalendar($year: Int!, $days: [HolidayCalendarDayInput!]!) {
    setHolidayCalendar(year: $year, days: $days) { year present days { date kind name } }
  }
`)

export const CALENDAR_WARNINGS = graphql(`
  query CalendarWarnings {
    calendarWarnings { year message }
  }
`)

export const CHANGE_PASSWORD = graphql(`
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) { token }
  }
`)
