// Attachment upload: requestUpload → PUT to the ticket's address (the browser-facing object store's
// presigned URL, or this server's /uploads/{id} when none is configured; progress via XMLHttpRequest)
// → completeUpload with the sha256 the browser computed, which the server checks against what arrived.
import { createSHA256 } from 'hash-wasm'
import { ApiError, gql } from './api'
import { COMPLETE_UPLOAD, REQUEST_UPLOAD } from './graphql/operations'

/** Read and hashed a slice at a time: the file is never in memory whole. */
export const HASH_CHUNK_BYTES = 4 * 1024 * 1024

// hash-wasm (WebAssembly), not crypto.subtle: that exists only in secure contexts (HTTPS or localhost),
// so a plain-HTTP intranet has none, and it hashes only a whole ArrayBuffer at once.
export async function sha256Hex(file: Blob): Promise<string> {
  const hasher = await createSHA256()
  hasher.init()
  for (let start = 0; start < file.size; start += HASH_CHUNK_BYTES) {
    const slice = file.slice(start, Math.min(start + HASH_CHUNK_BYTES, file.size))
    hasher.update(new Uint8Array(await slice.arrayBuffer()))
  }
  return hasher.digest('hex')
}

function put(url: string, file: File, onProgress: (percent: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('PUT', url)
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream')
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100))
    }
    xhr.onload = () =>
      xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(refusal(xhr))
    xhr.onerror = () => reject(new ApiError('文件上传失败：无法连接存储服务。', 'UPLOAD_FAILED'))
    xhr.send(file)
  })
}

// This server's upload route answers like /files: {"errors": [{message, extensions: {code}}]}; the
// object store answers XML, which gets a generic message.
function refusal(xhr: XMLHttpRequest): ApiError {
  try {
    const error = JSON.parse(xhr.responseText)?.errors?.[0]
    if (typeof error?.message === 'string') return new ApiError(error.message, error.extensions?.code ?? 'UPLOAD_FAILED')
  } catch {
    // not JSON: the object store's own answer
  }
  return new ApiError(`文件上传被存储服务拒绝（HTTP ${xhr.status}）。`, 'UPLOAD_FAILED')
}

export async function uploadAttachment(itemId: string, file: File, onProgress: (percent: number) => void) {
  const [ticket, sha256] = await Promise.all([
    gql(REQUEST_UPLOAD, {
      item: itemId,
      filename: file.name,
      size: file.size,
    }),
    sha256Hex(file),
  ])
  await put(ticket.requestUpload.uploadUrl, file, onProgress)
  onProgress(100)
  const done = await gql(COMPLETE_UPLOAD, {
    id: ticket.requestUpload.attachment.id,
    sha256,
  })
  return done.completeUpload
}
