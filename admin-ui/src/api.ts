// The only way the app talks to the server: POST /graphql (same origin) with the Bearer token.
import { reactive } from 'vue'
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core'

export const TOKEN_KEY = 'gongkai.token'

/** A GraphQL error the user can act on: a stable code, the server's Chinese message and, for bad input,
 * the input field it is about (`extensions.field`, camelCase or snake_case as the server names it). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly field?: string,
  ) {
    super(message)
  }
}

const CODE_MESSAGES: Record<string, string> = {
  UNAUTHENTICATED: '登录已过期，请重新登录。',
  FORBIDDEN: '您没有执行此操作的权限。',
  CONFLICT: '内容已被他人修改。',
  INVALID_CREDENTIALS: '用户名或密码错误。',
  NETWORK: '无法连接服务器，请检查网络后重试。',
}

/** The message to show for an error (the server's own message when it sent one). */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message || CODE_MESSAGES[err.code] || '操作失败。'
  if (err instanceof Error) return err.message
  return '操作失败。'
}

export function codeOf(err: unknown): string | undefined {
  return err instanceof ApiError ? err.code : undefined
}

/** Session state shared by the app: the token lives in sessionStorage (gone when the tab closes). */
export const auth = reactive({
  token: sessionStorage.getItem(TOKEN_KEY) as string | null,
  /** true while the re-login dialog is shown over the current page (the page keeps its form). */
  expired: false,
})

export function setToken(token: string | null): void {
  auth.token = token
  if (token) sessionStorage.setItem(TOKEN_KEY, token)
  else sessionStorage.removeItem(TOKEN_KEY)
}

let waiting: Array<() => void> = []

/** Called by the re-login dialog after a successful login: retries the requests that hit the expiry. */
export function resumeAfterLogin(): void {
  auth.expired = false
  const resume = waiting
  waiting = []
  resume.forEach((fn) => fn())
}

export function abandonWaiting(): void {
  waiting = []
}

interface GraphQLResponse<T> {
  data?: T | null
  errors?: Array<{ message: string; extensions?: { code?: string; field?: string } }>
}

async function post<T>(query: string, variables: unknown, token: string | null): Promise<{ status: number; body: GraphQLResponse<T> }> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
  }
  if (token) headers.authorization = `Bearer ${token}`
  let response: Response
  try {
    response = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) })
  } catch {
    throw new ApiError(CODE_MESSAGES.NETWORK, 'NETWORK')
  }
  let body: GraphQLResponse<T>
  try {
    body = (await response.json()) as GraphQLResponse<T>
  } catch {
    throw new ApiError(`服务器返回了无法识别的响应（HTTP ${response.status}）。`, 'BAD_RESPONSE')
  }
  return { status: response.status, body }
}

/**
 * Runs one operation. When the token has expired, the re-login dialog opens over the current page and the
 * request is retried after the user signs in again — whatever they were typing stays where it was.
 */
export interface GqlOptions {
  /** send without the token (login) */
  anonymous?: boolean
  /** false: on an expired token, fail instead of opening the re-login dialog (route guards) */
  interactive?: boolean
}

/** The server refuses a bad, expired or revoked token with HTTP 401 and a TOKEN_* / UNAUTHENTICATED code. */
function isAuthFailure(status: number, code: string | undefined): boolean {
  return status === 401 || code === 'UNAUTHENTICATED' || (code?.startsWith('TOKEN_') ?? false)
}

/** An operation typed by codegen (src/graphql/operations.ts): its text, result type and variable types. */
export type Operation<T, V> = DocumentTypeDecoration<T, V> & { toString(): string }

export async function gql<T, V>(document: Operation<T, V>, variables?: V, options: GqlOptions = {}): Promise<T> {
  const query = document.toString()
  for (let attempt = 0; ; attempt++) {
    const sent = options.anonymous ? null : auth.token
    const { status, body } = await post<T>(query, variables ?? {}, sent)
    const first = body.errors?.[0]
    const code = first?.extensions?.code ?? (status === 401 ? 'UNAUTHENTICATED' : undefined)
    if (isAuthFailure(status, code) && sent && options.interactive === false) {
      setToken(null)
    } else if (isAuthFailure(status, code) && sent && attempt < 3) {
      auth.expired = true
      await new Promise<void>((resolve) => waiting.push(resolve))
      continue
    }
    if (first) {
      const message = first.message || CODE_MESSAGES[code ?? ''] || '操作失败。'
      throw new ApiError(message, code ?? 'ERROR', first.extensions?.field)
    }
    if (!body.data) throw new ApiError(`服务器错误（HTTP ${status}）。`, 'BAD_RESPONSE')
    return body.data
  }
}
