// The operations of the 依申请公开 screens (#18): the worklist, registration and the request page with
// every step of the path; codegen reads every file under src/graphql/.
import { graphql } from '../generated'

export const REQUEST_ROW_FIELDS = graphql(`
  fragment RequestRowFields on DisclosureRequest {
    id
    number
    organizationId
    state
    stateLabel
    channel
    applicantKindLabel
    description
    receivedOn
    dueOn
    clockRunning
    workingDaysLeft
    overdue
    officerId
    assignee { id displayName }
  }
`)

export const DISCLOSURE_REQUESTS = graphql(`
  query DisclosureRequests($state: RequestState, $organization: ID) {
    disclosureRequests(state: $state, organization: $organization) { ...RequestRowFields }
  }
`)

export const REQUEST_FIELDS = graphql(`
  fragment RequestFields on DisclosureRequest {
    ...RequestRowFields
    applicantKind
    form
    delivery
    correctionRequestedOn
    correctionDueOn
    correctionReceivedOn
    consultations { party startedOn endedOn }
    extensionWorkingDays
    clockStartsOn
    pausedWorkingDays
    personalDataErased
    proactiveEntryId
    applicantMonthlyCount
    reply { outcome outcomeLabel ground groundLabel legalBasis remedies remedyLabels text repliedOn }
    replyReviews { tier label by byName at opinion }
    replyPendingTier
    fee { method methodLabel pages monthlyCount amountFen noticeOn dueOn paidFen paidOn }
    remedyCases { id kind kindLabel filedOn authority caseNumber note result resultLabel concludedOn }
    history { action by byName at note }
    replyFiles { id filename size url }
  }
`)

export const DISCLOSURE_REQUEST = graphql(`
  query DisclosureRequest($id: ID!) {
    disclosureRequest(id: $id) { ...RequestFields }
  }
`)

// Asked only by callers with 查看申请人个人信息 in the request's organization: the field refuses everyone else.
export const REQUEST_APPLICANT = graphql(`
  query RequestApplicant($id: ID!) {
    disclosureRequest(id: $id) {
      id
      applicant { name idNumber contactPerson phone email address postcode }
    }
  }
`)

// 分办: the accounts that may handle requests in the organization, by name (needs 分办 permission there).
export const REQUEST_HANDLERS = graphql(`
  query RequestHandlers($org: ID!) {
    requestHandlers(organization: $org) { id displayName }
  }
`)

export const REQUEST_PERMISSIONS = graphql(`
  query RequestPermissions($org: ID!) {
    me {
      user { id }
      permissions(organization: $org)
    }
  }
`)

export const REGISTER_DISCLOSURE_REQUEST = graphql(`
  mutation RegisterDisclosureRequest($input: DisclosureRequestInput!, $channel: RequestChannel!, $receivedOn: Date!) {
    registerDisclosureRequest(input: $input, channel: $channel, receivedOn: $receivedOn) { number queryCode receivedOn dueOn }
  }
`)

export const ASSIGN_DISCLOSURE_REQUEST = graphql(`
  mutation AssignDisclosureRequest($id: ID!, $officer: ID!) {
    assignDisclosureRequest(id: $id, officer: $officer) { ...RequestFields }
  }
`)

export const REQUEST_DISCLOSURE_CORRECTION = graphql(`
  mutation RequestDisclosureCorrection($id: ID!, $dueOn: Date!, $note: String!) {
    requestDisclosureCorrection(id: $id, dueOn: $dueOn, note: $note) { ...RequestFields }
  }
`)

export const RECEIVE_DISCLOSURE_CORRECTION = graphql(`
  mutation ReceiveDisclosureCorrection($id: ID!, $receivedOn: Date!) {
    receiveDisclosureCorrection(id: $id, receivedOn: $receivedOn) { ...RequestFields }
  }
`)

export const START_DISCLOSURE_CONSULTATION = graphql(`
  mutation StartDisclosureConsultation($id: ID!, $party: String!) {
    startDisclosureConsultation(id: $id, party: $party) { ...RequestFields }
  }
`)

export const END_DISCLOSURE_CONSULTATION = graphql(`
  mutation EndDisclosureConsultation($id: ID!) {
    endDisclosureConsultation(id: $id) { ...RequestFields }
  }
`)

export const EXTEND_DISCLOSURE_REQUEST = graphql(`
  mutation ExtendDisclosureRequest($id: ID!, $days: Int!, $reason: String!) {
    extendDisclosureRequest(id: $id, days: $days, reason: $reason) { ...RequestFields }
  }
`)

export const DRAFT_DISCLOSURE_REPLY = graphql(`
  mutation DraftDisclosureReply($id: ID!, $input: DisclosureReplyInput!) {
    draftDisclosureReply(id: $id, input: $input) { ...RequestFields }
  }
`)

export const REVIEW_DISCLOSURE_REPLY = graphql(`
  mutation ReviewDisclosureReply($id: ID!, $approve: Boolean!, $opinion: String!) {
    reviewDisclosureReply(id: $id, approve: $approve, opinion: $opinion) { ...RequestFields }
  }
`)

export const SEND_DISCLOSURE_REPLY = graphql(`
  mutation SendDisclosureReply($id: ID!) {
    sendDisclosureReply(id: $id) { ...RequestFields }
  }
`)

export const ARCHIVE_DISCLOSURE_REQUEST = graphql(`
  mutation ArchiveDisclosureRequest($id: ID!) {
    archiveDisclosureRequest(id: $id) { ...RequestFields }
  }
`)

export const RECORD_REMEDY_CASE = graphql(`
  mutation RecordRemedyCase($id: ID!, $input: RemedyCaseInput!) {
    recordRemedyCase(id: $id, input: $input) { ...RequestFields }
  }
`)

export const CONCLUDE_REMEDY_CASE = graphql(`
  mutation ConcludeRemedyCase($id: ID!, $case: ID!, $result: RemedyResult!, $concludedOn: Date!) {
    concludeRemedyCase(id: $id, case: $case, result: $result, concludedOn: $concludedOn) { ...RequestFields }
  }
`)

export const ISSUE_DISCLOSURE_FEE_NOTICE = graphql(`
  mutation IssueDisclosureFeeNotice($id: ID!, $method: FeeMethod!, $pages: Int!) {
    issueDisclosureFeeNotice(id: $id, method: $method, pages: $pages) { ...RequestFields }
  }
`)

export const RECORD_DISCLOSURE_FEE_PAYMENT = graphql(`
  mutation RecordDisclosureFeePayment($id: ID!, $amountFen: Int!, $paidOn: Date!) {
    recordDisclosureFeePayment(id: $id, amountFen: $amountFen, paidOn: $paidOn) { ...RequestFields }
  }
`)

export const DRAFT_CATALOG_ENTRY_FROM_DISCLOSURE_REPLY = graphql(`
  mutation DraftCatalogEntryFromDisclosureReply($id: ID!, $title: String!) {
    draftCatalogEntryFromDisclosureReply(id: $id, title: $title) { id }
  }
`)
