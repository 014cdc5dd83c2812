/** S3 errors: the code, message and status S3 answers with, rendered as `<Error>` XML. */
export class S3Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

export function accessDenied(message = 'Access Denied'): S3Error {
  return new S3Error('AccessDenied', message, 403);
}
