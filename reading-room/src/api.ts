import { reactive } from 'vue'
import { sha256 } from './sha256'

/** Set while answers come from the service worker's snapshot (the network is gone): when they were fetched. */
export const offline = reactive({ since: null as string | null })

/** Notes whether a response came from the offline snapshot (see sw/sw.js). */
export function noteSnapshot(response: Response): void {
  offline.since = response.headers.get('x-gongkai-snapshot')
}

/**
 * Reads the public GraphQL API the way caches like best: GET with Apollo's automatic persisted queries
 * (the URL carries the document's sha256, not its text), so the server's response cache, ETags and any
 * CDN in front serve the terminal. An unknown hash (a restarted or other server process) is answered
 * with PERSISTED_QUERY_NOT_FOUND; the document is then sent once with its hash, and remembered.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message)
  }
}

interface GraphQLError {
  message: string
  extensions?: { code?: string }
}
interface GraphQLBody<T> {
  data?: T
  errors?: GraphQLError[]
}

const hashes = new Map<string, string>()

function hashOf(query: string): string {
  let hash = hashes.get(query)
  if (!hash) {
    hash = sha256(query)
    hashes.set(query, hash)
  }
  return hash
}

async function get<T>(params: URLSearchParams): Promise<GraphQLBody<T>> {
  const response = await fetch(`/graphql?${params}`, { headers: { accept: 'application/json' } })
  noteSnapshot(response)
  if (!response.ok && response.status !== 200) {
    const body = (await response.json().catch(() => ({}))) as GraphQLBody<T>
    if (body.errors) return body
    throw new ApiError('服务器暂时无法访问，请稍后再试。', `HTTP_${response.status}`)
  }
  return (await response.json()) as GraphQLBody<T>
}

export async function query<T>(document: string, variables: Record<string, unknown> = {}): Promise<T> {
  const text = document.replace(/\s+/g, ' ').trim()
  const params = new URLSearchParams({
    variables: JSON.stringify(variables),
    extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hashOf(text) } }),
  })
  let body: GraphQLBody<T>
  try {
    body = await get<T>(params)
    if (body.errors?.some((e) => e.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND')) {
      params.set('query', text)
      body = await get<T>(params)
    }
  } catch (err) {
    if (err instanceof ApiError) throw err
    throw new ApiError('网络连接中断，请稍后再试。', 'NETWORK')
  }
  if (body.errors?.length) {
    const first = body.errors[0]
    throw new ApiError(first.message, first.extensions?.code ?? 'ERROR')
  }
  return body.data as T
}
