// The JSON body of a request: bounded in size, parsed, an object; otherwise an ApiError.
import type { IncomingMessage } from 'node:http';
import { ApiError, badRequest } from './errors.js';

export function readJsonBody(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new ApiError(413, `request body of ${declared} bytes is over the limit of ${limit} bytes`, 'invalid_request_error', null, 'request_too_large'));
      req.resume();
      return;
    }
    const parts: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (b: Buffer) => {
      size += b.length;
      if (size > limit) over = true;
      else parts.push(b);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (over) return reject(new ApiError(413, `request body is over the limit of ${limit} bytes`, 'invalid_request_error', null, 'request_too_large'));
      const text = Buffer.concat(parts).toString('utf8');
      if (text.trim() === '') return reject(badRequest('the request body is empty: send a JSON object', null, 'invalid_json'));
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch (e) {
        return reject(badRequest(`the request body is not valid JSON (${(e as Error).message})`, null, 'invalid_json'));
      }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return reject(badRequest(`the request body must be a JSON object, not ${Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v}`, null, 'invalid_json'));
      resolve(v as Record<string, unknown>);
    });
  });
}
