// The GraphQL documents the terminal reads: public fields only, one operation each (persisted by hash).

export const HOME = `query ReadingRoomHome($org: ID!, $own: ID) {
  latest: catalog(filter: { organization: $org, includeSubtree: true }, first: 8) {
    totalCount
    edges { node { id title documentNumber publishedDate validity validityLabel } }
  }
  gazette: gazetteIssues(first: 6) { edges { node { id title year number publicationDate } } }
  interpretations(organization: $own, includeSubtree: true, first: 5) { edges { node { id title publishedDate } } }
  interviews(organization: $own, includeSubtree: true, first: 5) { edges { node { id title publishedDate } } }
  children: organizations(parent: $org) { id name }
}`

export const BROWSE = `query ReadingRoomBrowse($org: ID!) {
  organization(id: $org) { id name parent { id name } children { id name } }
  topics { value label parent }
  genres { value label }
  all: catalog(filter: { organization: $org, includeSubtree: true }, first: 0) { totalCount }
}`

/** Counts per term, one alias each (the vocabularies are short: at most 30 aliases per request). */
export function countsQuery(field: 'topic' | 'genre', values: string[]): string {
  const parts = values.map(
    (value, i) =>
      `c${i}: catalog(filter: { organization: $org, includeSubtree: true, ${field}: ${JSON.stringify(value)} }, first: 0) { totalCount }`,
  )
  return `query ReadingRoomCounts($org: ID!) { ${parts.join(' ')} }`
}

export const CATALOG = `query ReadingRoomCatalog($filter: CatalogFilter!, $after: String) {
  catalog(filter: $filter, first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id title documentNumber indexNumber publishedDate validity validityLabel } }
  }
}`

export const GAZETTES = `query ReadingRoomGazettes($after: String) {
  gazetteIssues(first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id title year number publicationDate } }
  }
}`

export const INTERPRETATIONS = `query ReadingRoomInterpretations($org: ID, $after: String) {
  interpretations(organization: $org, includeSubtree: true, first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id title publishedDate } }
  }
}`

export const INTERVIEWS = `query ReadingRoomInterviews($org: ID, $after: String) {
  interviews(organization: $org, includeSubtree: true, first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id title publishedDate } }
  }
}`

const LINK = `id title documentNumber validity validityLabel`
const FILES = `attachments { id filename size contentType url thumbnailUrl }`

export const ITEM = `query ReadingRoomItem($id: ID!) {
  node(id: $id) {
    __typename
    ... on Content { id title contentWithheld disclosureNotice disclosureModeLabel organization { id name } }
    ... on CatalogEntry {
      indexNumber documentNumber topic genre keywords createdDate publishedDate validity validityLabel
      validityEffectiveDate repealDate scope summary body ${FILES}
      issuingOrganization { name } coIssuers { name }
      amendedBy { ${LINK} } repealedBy { ${LINK} } amends { ${LINK} } repeals { ${LINK} }
      interpretations { id title }
      gazetteArticles { id title issue { id title } }
    }
    ... on Interpretation { publishedDate body ${FILES} interprets { ${LINK} } }
    ... on GazetteIssue {
      year number totalNumber publicationDate ${FILES}
      articles { id section title documentNumber body catalogEntry { id } }
    }
    ... on Interview {
      place publishedDate scheduledStart ${FILES}
      guests { name title }
      transcript { seq speaker role text }
    }
  }
}`

export const SEARCH = `query ReadingRoomSearch($q: String!, $filter: SearchFilter, $after: String) {
  search(query: $q, filter: $filter, first: 10, after: $after) {
    totalCount
    truncated
    pageInfo { hasNextPage endCursor }
    facets {
      organizations { value label count }
      topics { value label count }
      genres { value label count }
      years { value label count }
      types { value label count }
    }
    edges { node { type title snippet item { id } article { id } } }
  }
}`

export const GAZETTE_NEWEST = `query ReadingRoomGazetteNewest { gazetteIssues(first: 1) { edges { node { year } } } }`

/** Issue counts of the `span` years up to `newest`, one alias each (the years with issues form the shelf). */
export function gazetteYearsQuery(newest: number, span = 30): string {
  const parts = Array.from({ length: span }, (_, i) => `y${newest - i}: gazetteIssues(year: ${newest - i}, first: 0) { totalCount }`)
  return `query ReadingRoomGazetteYears { ${parts.join(' ')} }`
}

export const GAZETTE_YEAR = `query ReadingRoomGazetteYear($year: Int!, $after: String) {
  gazetteIssues(year: $year, first: 30, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id title year number totalNumber publicationDate } }
  }
}`
