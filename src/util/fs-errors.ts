// Node's file-system errors read like "ENOENT: no such file or directory, open '/x/y.123.tmp'":
// these helpers say the same thing in words about the path the user named.

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'file name too long',
  EXDEV: 'cannot rename across file systems',
};

/** The reason of a file-system error in words ("permission denied"), else its message. */
export function fsErrorReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code && REASONS[code]) return REASONS[code]!;
  return code ?? (e instanceof Error ? e.message : String(e));
}

/** Whether `e` is a Node system error (it has an errno code such as ENOENT). */
export function isFsError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((e as NodeJS.ErrnoException).code!);
}

/** An Error "PATH: cannot write (reason)" that keeps the original code. */
export function writeError(path: string, e: unknown, what = 'cannot write'): Error {
  const err = new Error(`${path}: ${what} (${fsErrorReason(e)})`) as NodeJS.ErrnoException;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code) err.code = code;
  return err;
}
