/** Errors the compute API raises for requests it refuses (names as in nova/exception.py). */
import { Conflict, InstanceInvalidState, Invalid } from '../../common/errors.js';

export class ImageNotActive extends Invalid {
  constructor(imageId: string) {
    super(`Image ${imageId} is not active.`, { kwargs: { image_id: imageId } });
  }
}
export class FlavorMemoryTooSmall extends Invalid {
  constructor() {
    super("Flavor's memory is too small for requested image.");
  }
}
export class FlavorDiskTooSmall extends Invalid {
  constructor() {
    super("Flavor's disk is too small for requested image.");
  }
}
export class FlavorDiskSmallerThanImage extends FlavorDiskTooSmall {
  constructor(flavorBytes: number, imageBytes: number) {
    super();
    this.message = `Flavor's disk is too small for requested image. Flavor disk is ${flavorBytes} bytes, image is ${imageBytes} bytes.`;
  }
}
export class InvalidMetadata extends Invalid {}
export class InvalidMetadataSize extends Invalid {}
export class InvalidBDM extends Invalid {}
export class InstanceIsLocked extends InstanceInvalidState {
  constructor(uuid: string) {
    super(`Instance ${uuid} is locked`, { kwargs: { instance_uuid: uuid } });
  }
}
export class InvalidFixedIpAndMaxCountRequest extends Invalid {}

/**
 * The instance has no compute host yet (nova/exception.py InstanceNotReady). Grizzly's
 * class was a 400 that each action mapped to 409; every action answers 409 for it.
 */
export class InstanceNotReady extends Conflict {
  constructor(uuid: string) {
    super(`Instance ${uuid} is not ready`, { kwargs: { instance_id: uuid } });
  }
}
