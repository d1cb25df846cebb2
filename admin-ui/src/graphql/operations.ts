// Every operation the admin app sends, as graphql() documents: graphql-codegen's client preset validates
// them against ../schema/schema.graphql and types each one (TypedDocumentString: its result and variables),
// so `gql(DOC, vars)` is typed by the document itself. Fragments are used by name; codegen appends them.
import { graphql } from '../generated'

export const LOGIN = graphql(`
  mutation Login($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      token
      expiresAt
    }
  }
`)

export const LOGOUT = graphql(`
  mutation Logout {
    logout
  }
`)

export const ME = graphql(`
  query Me {
    me {
      user {
        id
        username
        displayName
        mustChangePassword
        organization { id name }
      }
      grants {
        role
        roleLabel
        subtree
        organization { id name }
      }
      create: organizationsWith(permission: CONTENT_CREATE)
      viewDraft: organizationsWith(permission: CONTENT_VIEW_DRAFT)
      registerView: organizationsWith(permission: REGISTER_VIEW)
      registerExport: organizationsWith(permission: REGISTER_EXPORT)
      userManage: organizationsWith(permission: USER_MANAGE)
      roleGrant: organizationsWith(permission: ROLE_GRANT)
      orgManage: organizationsWith(permission: ORG_MANAGE)
      reviewApprove: organizationsWith(permission: REVIEW_APPROVE)
      vocabularyManage: organizationsWith(permission: VOCABULARY_MANAGE)
      complianceView: organizationsWith(permission: COMPLIANCE_VIEW)
      auditView: organizationsWith(permission: AUDIT_VIEW)
      calendarView: organizationsWith(permission: CALENDAR_VIEW)
      calendarManage: organizationsWith(permission: CALENDAR_MANAGE)
      readingRoomStatistics: organizationsWith(permission: READING_ROOM_STATISTICS)
      reportView: organizationsWith(permission: REPORT_VIEW)
      reportEdit: organizationsWith(permission: REPORT_EDIT)
      catalogImport: organizationsWith(permission: CATALOG_IMPORT)
      requestView: organizationsWith(permission: REQUEST_VIEW)
      requestRegister: organizationsWith(permission: REQUEST_REGISTER)
      webhookManage: organizationsWith(permission: WEBHOOK_MANAGE)
    }
  }
`)

export const PERMISSIONS = graphql(`
  query Permissions($org: ID!) {
    me {
      permissions(organization: $org)
    }
  }
`)

export const WORKLIST = graphql(`
  query Worklist {
    worklist {
      submittedOn
      submittedByName
      workingDaysWaiting
      formedOn
      dueOn
      workingDaysLeft
      tier { key label permission }
      item {
        id
        title
        reviewState
        reviewStateLabel
        version
        organization { id name }
      }
    }
  }
`)

export const VOCABULARIES = graphql(`
  query Vocabularies {
    topics { value label parent }
    genres { value label }
  }
`)

export const ORGANIZATIONS = graphql(`
  query Organizations($parent: ID) {
    organizations(parent: $parent) { id name shortName }
  }
`)

export const ORG_FIELDS = graphql(`
  fragment OrgFields on Organization { id key name shortName code level kind indexTemplate docPrefix }
`)

/** Five levels under an organization; the last level only tells whether there is more (orgs.ts goes on). */
export const ORG_SUBTREE = graphql(`
  query OrgSubtree($id: ID!) {
    organization(id: $id) {
      ...OrgFields
      children {
        ...OrgFields
        children {
          ...OrgFields
          children {
            ...OrgFields
            children { ...OrgFields children { id } }
          }
        }
      }
    }
  }
`)

export const CREATE_ORGANIZATION = graphql(`
  mutation CreateOrganization($input: OrganizationInput!) {
    createOrganization(input: $input) { ...OrgFields }
  }
`)

export const SET_INDEX_TEMPLATE = graphql(`
  mutation SetIndexTemplate($organization: ID!, $template: String!) {
    setIndexTemplate(organization: $organization, template: $template) { ...OrgFields }
  }
`)

export const SET_REVIEW_CHAIN = graphql(`
  mutation SetReviewChain($organization: ID!, $tiers: [ReviewTierInput!]) {
    setReviewChain(organization: $organization, tiers: $tiers) { id }
  }
`)

export const CATALOG = graphql(`
  query Catalog($filter: CatalogFilter, $first: Int, $after: String) {
    catalog(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id
          title
          indexNumber
          documentNumber
          publishedDate
          reviewState
          reviewStateLabel
          validityLabel
          workingCopyOf
          organization { id name }
        }
      }
    }
  }
`)

export const INTERPRETATIONS = graphql(`
  query Interpretations($organization: ID, $first: Int, $after: String) {
    interpretations(organization: $organization, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id title reviewStateLabel publishedDate kind
          organization { id name }
          interprets { id title documentNumber }
        }
      }
    }
  }
`)

export const GAZETTE_ISSUES = graphql(`
  query GazetteIssues($organization: ID, $year: Int, $first: Int, $after: String) {
    gazetteIssues(organization: $organization, year: $year, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id title reviewStateLabel publicationDate year number totalNumber
          organization { id name }
          articles { id }
        }
      }
    }
  }
`)

export const INTERVIEWS = graphql(`
  query Interviews($organization: ID, $kind: InterviewKind, $first: Int, $after: String) {
    interviews(organization: $organization, kind: $kind, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id title reviewStateLabel publishedDate kind
          organization { id name }
          guests { name }
        }
      }
    }
  }
`)

export const ENTRY_FIELDS = graphql(`
  fragment EntryFields on CatalogEntry {
    id
    editable
    allowedActions
    title
    summary
    description
    body
    bodyHtml
    version
    reviewState
    reviewStateLabel
    pendingTier
    indexNumber
    documentNumber
    topic
    genre
    keywords
    createdDate
    publishedDate
    disclosureMode
    disclosureModeLabel
    nonDisclosureReason
    legalBasis
    expires
    scope
    validity
    validityLabel
    workingCopyOf
    validityEffectiveDate
    repealDate
    amendedBy { id title documentNumber }
    repealedBy { id title documentNumber }
    involvesOrganizations { id name }
    confirmedOrganizations { id name }
    organization { id name }
    workingCopy { id checkedOutBy checkedOutAt reviewState }
    attachments { id filename size contentType sha256 url }
  }
`)

export const ENTRY = graphql(`
  query Entry($id: ID!) {
    node(id: $id) {
      ... on CatalogEntry { ...EntryFields }
    }
  }
`)

export const CREATE_ENTRY = graphql(`
  mutation CreateEntry($input: CatalogEntryInput!) {
    createCatalogEntry(input: $input) { ...EntryFields }
  }
`)

export const UPDATE_ENTRY = graphql(`
  mutation UpdateEntry($id: ID!, $expectedVersion: Int!, $input: CatalogEntryInput!) {
    updateCatalogEntry(id: $id, expectedVersion: $expectedVersion, input: $input) { ...EntryFields }
  }
`)

export const CHECKOUT = graphql(`
  mutation Checkout($id: ID!) {
    checkout(id: $id) { id version workingCopyOf }
  }
`)

export const CHECKIN = graphql(`
  mutation Checkin($id: ID!, $expectedVersion: Int, $opinion: String!) {
    checkin(id: $id, expectedVersion: $expectedVersion, opinion: $opinion) { id version reviewState reviewStateLabel }
  }
`)

export const CANCEL_CHECKOUT = graphql(`
  mutation CancelCheckout($id: ID!) {
    cancelCheckout(id: $id) { id }
  }
`)

export const CHANGE_VALIDITY = graphql(`
  mutation ChangeValidity($id: ID!, $validity: Validity!, $successor: ID, $date: Date) {
    changeValidity(id: $id, validity: $validity, successor: $successor, date: $date) { id version }
  }
`)

export const FIND_ENTRIES = graphql(`
  query FindEntries($documentNumber: String!, $indexNumber: String!) {
    byDocumentNumber: catalogEntriesByDocumentNumber(documentNumber: $documentNumber) { id title documentNumber indexNumber }
    byIndexNumber: catalogEntry(indexNumber: $indexNumber) { id title documentNumber indexNumber }
  }
`)

export const REQUEST_UPLOAD = graphql(`
  mutation RequestUpload($item: ID!, $filename: String!, $size: Int!) {
    requestUpload(item: $item, filename: $filename, size: $size) {
      uploadUrl
      expiresAt
      attachment { id filename }
    }
  }
`)

export const COMPLETE_UPLOAD = graphql(`
  mutation CompleteUpload($id: ID!, $sha256: String!) {
    completeUpload(id: $id, sha256: $sha256) { id filename size sha256 url }
  }
`)

export const REMOVE_ATTACHMENT = graphql(`
  mutation RemoveAttachment($id: ID!) {
    removeAttachment(id: $id)
  }
`)

export const REVIEW_CHAIN = graphql(`
  query ReviewChain($org: ID!) {
    reviewChain(organization: $org) { key label permission authorMayAct }
  }
`)

/** The chain in effect and whether the organization configures its own (else it inherits). */
export const ORG_REVIEW_CHAIN = graphql(`
  query OrgReviewChain($org: ID!) {
    reviewChain(organization: $org) { key label permission authorMayAct }
    organization: node(id: $org) { ... on Organization { id ownReviewChain { key } } }
  }
`)

export const TRANSITION = graphql(`
  mutation Transition($input: TransitionInput!) {
    transition(input: $input) {
      id
      version
      reviewState
      reviewStateLabel
      pendingTier
    }
  }
`)

export const HISTORY = graphql(`
  query History($id: ID!) {
    history(id: $id) {
      item { id title version reviewState reviewStateLabel workingCopyOf editable organization { id } }
      versions { version savedAt note savedBy savedByName }
      transitions {
        seq
        action
        tier
        details
        fromState
        toState
        actorName
        actorDisplayName
        at
        opinion
        findings {
          stateSecrets
          commercialSecrets
          personalPrivacy
          proposedMode
          proposedScope
          proposedTime
          grounds
        }
      }
    }
  }
`)

export const DIFF = graphql(`
  query Diff($id: ID!, $from: Int!, $to: Int!) {
    diff(id: $id, fromVersion: $from, toVersion: $to) { field before after }
  }
`)

export const REVERT = graphql(`
  mutation Revert($id: ID!, $toVersion: Int!, $expectedVersion: Int!) {
    revert(id: $id, toVersion: $toVersion, expectedVersion: $expectedVersion) { id version }
  }
`)

export const USERS_AND_GRANTS = graphql(`
  query UsersAndGrants($org: ID!) {
    users(organization: $org) { id username displayName active organization { id name } }
    roleGrants(organization: $org) {
      role
      roleLabel
      subtree
      userId
      user { id username displayName }
      organization { id name }
    }
    roles { role label }
  }
`)

export const GRANT_ROLE = graphql(`
  mutation GrantRole($input: RoleGrantInput!) {
    grantRole(input: $input) { role roleLabel userId }
  }
`)

export const REVOKE_ROLE = graphql(`
  mutation RevokeRole($input: RoleGrantInput!) {
    revokeRole(input: $input)
  }
`)

export const CREATE_USER = graphql(`
  mutation CreateUser($username: String!, $password: String!, $organization: ID!, $displayName: String!) {
    createUser(username: $username, password: $password, organization: $organization, displayName: $displayName) {
      id
      username
    }
  }
`)

export const REGISTER = graphql(`
  query Register($org: ID!, $since: DateTime, $until: DateTime, $first: Int!, $beforeSeq: Int) {
    reviewRegister(organization: $org, since: $since, until: $until, first: $first, beforeSeq: $beforeSeq) {
      seq
      itemTitle
      itemVersion
      action
      tier
      fromState
      toState
      actorName
      actorDisplayName
      at
      opinion
      itemId
    }
  }
`)

export const REGISTER_EXPORT = graphql(`
  query RegisterExport($org: ID!, $since: DateTime, $until: DateTime) {
    reviewRegisterExport(organization: $org, since: $since, until: $until)
  }
`)

// --- the other content types' editors ---

export const REVIEW_ITEM = graphql(`
  query ReviewItem($id: ID!) {
    node(id: $id) {
      __typename
      ... on Content {
        id
        title
        version
        reviewState
        reviewStateLabel
        allowedActions
        pendingTier
        workingCopyOf
        organization { id name }
        involvesOrganizations { id name }
        confirmedOrganizations { id name }
        attachments { id filename url }
      }
      ... on CatalogEntry { indexNumber documentNumber summary disclosureMode }
    }
  }
`)

export const INTERPRETATION_FIELDS = graphql(`
  fragment InterpretationFields on Interpretation {
    id editable allowedActions title version reviewState reviewStateLabel workingCopyOf kind body bodyHtml publishedDate expires
    organization { id name }
    workingCopy { id checkedOutBy checkedOutAt reviewState }
    attachments { id filename size contentType sha256 url }
    interprets { id title documentNumber indexNumber }
  }
`)

export const INTERPRETATION = graphql(`
  query Interpretation($id: ID!) {
    node(id: $id) { ... on Interpretation { ...InterpretationFields } }
  }
`)

export const CREATE_INTERPRETATION = graphql(`
  mutation CreateInterpretation($input: InterpretationInput!) {
    createInterpretation(input: $input) { ...InterpretationFields }
  }
`)

export const UPDATE_INTERPRETATION = graphql(`
  mutation UpdateInterpretation($id: ID!, $expectedVersion: Int!, $input: InterpretationUpdateInput!) {
    updateInterpretation(id: $id, expectedVersion: $expectedVersion, input: $input) { ...InterpretationFields }
  }
`)

export const GAZETTE_FIELDS = graphql(`
  fragment GazetteFields on GazetteIssue {
    id editable allowedActions title description version reviewState reviewStateLabel workingCopyOf year number totalNumber publicationDate expires
    organization { id name }
    workingCopy { id checkedOutBy checkedOutAt reviewState }
    attachments { id filename size contentType sha256 url }
    articles { id order section title documentNumber body bodyHtml catalogEntry { id } }
  }
`)

export const GAZETTE_ISSUE = graphql(`
  query GazetteIssue($id: ID!) {
    node(id: $id) { ... on GazetteIssue { ...GazetteFields } }
  }
`)

export const CREATE_GAZETTE_ISSUE = graphql(`
  mutation CreateGazetteIssue($input: GazetteIssueInput!) {
    createGazetteIssue(input: $input) { ...GazetteFields }
  }
`)

export const UPDATE_GAZETTE_ISSUE = graphql(`
  mutation UpdateGazetteIssue($id: ID!, $expectedVersion: Int!, $input: GazetteIssueInput!) {
    updateGazetteIssue(id: $id, expectedVersion: $expectedVersion, input: $input) { ...GazetteFields }
  }
`)

export const INTERVIEW_FIELDS = graphql(`
  fragment InterviewFields on Interview {
    id editable allowedActions title description version reviewState reviewStateLabel workingCopyOf kind scheduledStart scheduledEnd publishedDate expires
    eventKind eventDate
    leaders { name post level organization { id } }
    organization { id name }
    workingCopy { id checkedOutBy checkedOutAt reviewState }
    attachments { id filename size contentType sha256 url }
    guests { name title organization { id } }
    questions { id asker text answer answeredLive }
    transcript { seq speaker role text time }
  }
`)

export const INTERVIEW = graphql(`
  query Interview($id: ID!) {
    node(id: $id) { ... on Interview { ...InterviewFields } }
  }
`)

export const CREATE_INTERVIEW = graphql(`
  mutation CreateInterview($input: InterviewInput!) {
    createInterview(input: $input) { ...InterviewFields }
  }
`)

export const UPDATE_INTERVIEW = graphql(`
  mutation UpdateInterview($id: ID!, $expectedVersion: Int!, $input: InterviewInput!) {
    updateInterview(id: $id, expectedVersion: $expectedVersion, input: $input) { ...InterviewFields }
  }
`)

// --- vocabularies and organizations ---

export const ADD_TERM = graphql(`
  mutation AddTerm($input: VocabularyTermInput!) {
    addVocabularyTerm(input: $input) { value label parent }
  }
`)

export const RELABEL_TERM = graphql(`
  mutation RelabelTerm($vocabulary: Vocabulary!, $value: String!, $label: String!) {
    relabelVocabularyTerm(vocabulary: $vocabulary, value: $value, label: $label) { value label }
  }
`)

export const REORDER_TERMS = graphql(`
  mutation ReorderTerms($vocabulary: Vocabulary!, $values: [String!]!, $parent: String) {
    reorderVocabularyTerms(vocabulary: $vocabulary, values: $values, parent: $parent) { value }
  }
`)

export const REMOVE_TERM = graphql(`
  mutation RemoveTerm($vocabulary: Vocabulary!, $value: String!) {
    removeVocabularyTerm(vocabulary: $vocabulary, value: $value)
  }
`)

export const UPDATE_ORGANIZATION = graphql(`
  mutation UpdateOrganization($id: ID!, $input: OrganizationUpdateInput!) {
    updateOrganization(id: $id, input: $input) { ...OrgFields }
  }
`)

/** The Chinese names of the API's codes (labels.ts keeps them for the whole app). */
export const LABELS = graphql(`
  query Labels {
    labels {
      reviewStates { value label }
      publicChangeEvents { value label }
      validities { value label }
      disclosureModes { value label }
      privacyGrounds { value label }
      orgLevels { value label }
      orgKinds { value label }
      interpretationKinds { value label }
      interviewKinds { value label }
      eventKinds { value label }
      leaderLevels { value label }
      reviewActions { value label }
      registerActions { value label }
      contentTypes { value label }
      permissions { value label }
      versionFields { value label }
      auditActions { value label }
      auditTargetTypes { value label }
      applicantKinds { value label }
      requestChannels { value label }
      requestForms { value label }
      requestDeliveries { value label }
      requestStates { value label }
      requestOutcomes { value label }
      requestGrounds { value label }
      requestActions { value label }
      remedyKinds { value label }
      remedyCaseKinds { value label }
      remedyResults { value label }
      feeMethods { value label }
    }
  }
`)

// --- compliance dashboard (合规看板) ---

export const COMPLIANCE_DASHBOARD = graphql(`
  query ComplianceDashboard($organization: ID!, $from: Date!, $to: Date!, $includeSubtree: Boolean) {
    complianceDashboard(organization: $organization, from: $from, to: $to, includeSubtree: $includeSubtree) {
      from to asOf
      figures {
        key label count
        items { id type title date referenceDate dueDate note organization { id name } }
      }
      quotas {
        key label period required count met
        organization { id name }
        items { id type title date note organization { id name } }
      }
    }
  }
`)

export const COMPLIANCE_EXPORT = graphql(`
  query ComplianceExport($organization: ID!, $from: Date!, $to: Date!, $includeSubtree: Boolean, $format: ComplianceExportFormat!) {
    complianceDashboardExport(organization: $organization, from: $from, to: $to, includeSubtree: $includeSubtree, format: $format) {
      filename contentType base64
    }
  }
`)

export const READING_ROOM_STATISTICS = graphql(`
  query ReadingRoomStatistics($since: Date!, $until: Date!, $terminal: String) {
    readingRoomStatistics(since: $since, until: $until, terminal: $terminal) {
      terminals
      days { terminal day views searches prints qrShown }
      topItems { itemId title views }
      topSearches { query searches }
    }
  }
`)

export const READING_ROOM_STATISTICS_EXPORT = graphql(`
  query ReadingRoomStatisticsExport($since: Date!, $until: Date!, $terminal: String) {
    readingRoomStatisticsExport(since: $since, until: $until, terminal: $terminal)
  }
`)

export const ANNUAL_REPORT = graphql(`
  query AnnualReport($organization: ID!, $year: Int!, $includeSubtree: Boolean) {
    annualReport(organization: $organization, year: $year, includeSubtree: $includeSubtree) {
      year includeSubtree state stateLabel version frozen issuedAt catalogEntryId computedAt
      overview problems otherMatters processingFees
      overviewFigures { label value }
      proactive { licensing penalty enforcement feeAmount
        regulations { issued repealed inForce } normativeDocuments { issued repealed inForce } }
      requestColumns requests { key label group counts }
      remedies { review { upheld corrected other pending total }
        litigationDirect { upheld corrected other pending total }
        litigationAfterReview { upheld corrected other pending total } }
      checks { key label holds detail }
    }
  }
`)

export const SAVE_ANNUAL_REPORT_DRAFT = graphql(`
  mutation SaveAnnualReportDraft($organization: ID!, $year: Int!, $includeSubtree: Boolean, $input: AnnualReportDraftInput!, $expectedVersion: Int) {
    saveAnnualReportDraft(organization: $organization, year: $year, includeSubtree: $includeSubtree, input: $input, expectedVersion: $expectedVersion) {
      version state
    }
  }
`)

export const ISSUE_ANNUAL_REPORT = graphql(`
  mutation IssueAnnualReport($organization: ID!, $year: Int!, $includeSubtree: Boolean) {
    issueAnnualReport(organization: $organization, year: $year, includeSubtree: $includeSubtree) {
      state catalogEntryId
    }
  }
`)

export const CATALOG_IMPORT_TEMPLATE = graphql(`
  query CatalogImportTemplate($org: ID!) {
    catalogImportTemplate(organization: $org)
  }
`)

export const CHECK_CATALOG_IMPORT = graphql(`
  mutation CheckCatalogImport($org: ID!, $filename: String!, $file: String!, $attachments: String, $asDrafts: Boolean!) {
    checkCatalogImport(organization: $org, filename: $filename, file: $file, attachments: $attachments, asDrafts: $asDrafts) {
      total
      importable
      skipped
      refusedRows
      problems { row column message }
      problemsCsv
    }
  }
`)

export const START_CATALOG_IMPORT = graphql(`
  mutation StartCatalogImport($org: ID!, $filename: String!, $file: String!, $attachments: String, $asDrafts: Boolean!) {
    startCatalogImport(organization: $org, filename: $filename, file: $file, attachments: $attachments, asDrafts: $asDrafts) {
      id state stateLabel total imported skipped refused cancelRequested
      problems { row column message }
    }
  }
`)

export const CATALOG_IMPORT = graphql(`
  query CatalogImport($id: ID!) {
    catalogImport(id: $id) {
      id state stateLabel total imported skipped refused cancelRequested
      problems { row column message }
    }
  }
`)

export const CANCEL_CATALOG_IMPORT = graphql(`
  mutation CancelCatalogImport($id: ID!) {
    cancelCatalogImport(id: $id) {
      id state stateLabel total imported skipped refused cancelRequested
      problems { row column message }
    }
  }
`)

// --- register anchoring (登记簿校验) ---

export const REGISTER_HEADS = graphql(`
  query RegisterHeads {
    registerHeads {
      organization {
        id
        name
        key
      }
      entries
      ok
      firstBadSeq
      reason
      headHash
      verifiedAt
    }
  }
`)

export const REGISTER_HEADS_EXPORT = graphql(`
  query RegisterHeadsExport {
    registerHeadsExport
  }
`)
