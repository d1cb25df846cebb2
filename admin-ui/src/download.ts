// Files the admin app makes in the browser (CSV exports, generated sheets and reports): saved through
// a temporary object URL, released once the download has started.

/** Save ``blob`` as a download named ``name``. */
export function saveBlob(blob: Blob, name: string): void {
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 1000)
}

/** Save CSV text, with a byte-order mark so that Excel opens the UTF-8 file with the Chinese intact. */
export function saveCsv(text: string, name: string): void {
  saveBlob(new Blob([text.startsWith('\ufeff') ? '' : '\ufeff', text], { type: 'text/csv;charset=utf-8' }), name)
}

/** Save a file the server sent as Base64. */
export function saveBase64(base64: string, contentType: string, name: string): void {
  saveBlob(new Blob([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], { type: contentType }), name)
}
