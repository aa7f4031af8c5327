// Checks and sending of the applicant's files. The server checks everything again (by content).
import { ApiError, NETWORK_ERROR_HINT, NETWORK_ERROR_MESSAGE, type ErrorBody } from '../api';
import type { UploadLimits } from './boot';

const MB = 1024 * 1024;
export const ACCEPT = '.pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png';
const TYPES: Record<string, string> = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png' };

export const formatSize = (bytes: number) =>
  bytes >= MB ? `${(bytes / MB).toFixed(1).replace('.', ',')} МБ` : `${Math.max(1, Math.round(bytes / 1024))} КБ`;

/** Problems with the chosen files, in Russian; empty when they can be sent. */
export function checkFiles(files: File[], limits: UploadLimits): string[] {
  const problems: string[] = [];
  if (files.length > limits.maxFiles) problems.push(`Можно загрузить не больше ${limits.maxFiles} файлов за раз — уберите лишние.`);
  for (const f of files) {
    const ext = /\.([a-z0-9]+)$/i.exec(f.name)?.[1]?.toLowerCase() ?? '';
    const typeOk = TYPES[f.type] !== undefined || ['pdf', 'jpg', 'jpeg', 'png'].includes(ext);
    if (!typeOk) problems.push(`«${f.name}»: можно загружать только PDF, JPG или PNG.`);
    else if (f.size === 0) problems.push(`«${f.name}» — пустой файл.`);
    else if (f.size > limits.maxFileBytes) problems.push(`«${f.name}» больше ${Math.round(limits.maxFileBytes / MB)} МБ (${formatSize(f.size)}). Уменьшите его — например, сфотографируйте с меньшим разрешением.`);
  }
  const total = files.reduce((s, f) => s + f.size, 0);
  if (total > limits.maxTotalBytes) problems.push(`Все файлы вместе — не больше ${Math.round(limits.maxTotalBytes / MB)} МБ, сейчас ${formatSize(total)}.`);
  return problems;
}

function toBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(new ApiError(0, 'READ_FAILED', `Не удалось прочитать файл «${file.name}». Выберите его ещё раз.`));
    reader.readAsDataURL(file);
  });
}

/** POST /upload/:token with the files as base64 JSON; progress 0..1 while the body goes out. */
export async function sendFiles(token: string, files: File[], onProgress: (share: number) => void): Promise<{ uploaded: number; files: number }> {
  const body = JSON.stringify({ files: await Promise.all(files.map(async (f) => ({ name: f.name, data: await toBase64(f) }))) });
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/upload/${encodeURIComponent(token)}`);
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', NETWORK_ERROR_MESSAGE, NETWORK_ERROR_HINT));
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        data = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && data && typeof data === 'object') {
        resolve(data as { uploaded: number; files: number });
        return;
      }
      const err = (data ?? {}) as Partial<ErrorBody>;
      const fallback = xhr.status === 413 ? 'Файлы слишком большие.' : 'Не удалось отправить файлы. Попробуйте ещё раз.';
      reject(new ApiError(xhr.status, typeof err.error === 'string' ? err.error : `HTTP_${xhr.status}`, err.message || fallback, err.hint ?? '', Array.isArray(err.details) ? err.details : []));
    };
    xhr.send(body);
  });
}
