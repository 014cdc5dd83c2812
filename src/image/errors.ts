/**
 * Errors of the image service. They sit in the common hierarchy, so the status codes
 * and RPC re-creation work as everywhere else; the image server renders them as
 * `{"error": {"code", "title", "message"}}` with the status Glance gives.
 */
import { Conflict, Forbidden, Invalid, NotAuthorized, NotFound, NovaError } from '../common/errors.js';

/** A request Glance answers with 400. */
export class ImageBadRequest extends Invalid {}

/** Refused by the rules of the image (read-only attribute, not the owner, protected...). */
export class ImageForbidden extends Forbidden {}

export class ImageMemberNotFound extends NotFound {
  constructor(imageId: string, member: string) {
    super(`Member ${member} not found for image ${imageId}.`, { kwargs: { imageId, member } });
  }
}

/** Glance answers an id it does not know or may not show with this 404. */
export class ImageUnknown extends NotFound {
  constructor(id: string) {
    super(`No image found with ID ${id}`, { kwargs: { id } });
  }
}

export class ImageConflict extends Conflict {}

export class ImageSizeLimitExceeded extends NovaError {
  static override readonly code = 413;
  constructor(cap: number) {
    super(`Image exceeds the storage quota: the limit is ${cap} bytes.`, { kwargs: { cap } });
  }
}

export class ImageMediaTypeUnsupported extends NovaError {
  static override readonly code = 415;
  constructor(mediaType: string, allowed: readonly string[]) {
    super(`Unsupported Content-Type '${mediaType}'; expected one of: ${allowed.join(', ')}.`, { kwargs: { mediaType } });
  }
}

/** The image was deleted while its data was being uploaded. */
export class ImageGone extends NovaError {
  static override readonly code = 410;
}

/** The upload stream ended early (the client went away) or could not be written. */
export class ImageUploadFailed extends NovaError {
  static override readonly code = 400;
}

/** The image service answered something Nova's client cannot use. */
export class ImageServiceUnavailable extends NovaError {
  static override readonly code = 503;
}

/** Nova's view of an image-service 401/403: the caller may not do this to the image. */
export class ImageNotAuthorized extends NotAuthorized {}
