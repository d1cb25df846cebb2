// Attachment upload: requestUpload → PUT straight to the object store (progress via XMLHttpRequest) →
// completeUpload with the sha256 the browser computed, which the server checks against what arrived.
import { ApiError, gql } from './api'
import { COMPLETE_UPLOAD, REQUEST_UPLOAD } from './graphql/operations'

export async function sha256Hex(file: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer())
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
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
      xhr.status >= 200 && xhr.status < 300
        ? resolve()
        : reject(new ApiError(`文件上传被存储服务拒绝（HTTP ${xhr.status}）。`, 'UPLOAD_FAILED'))
    xhr.onerror = () => reject(new ApiError('文件上传失败：无法连接存储服务。', 'UPLOAD_FAILED'))
    xhr.send(file)
  })
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
