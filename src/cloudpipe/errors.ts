import { Invalid } from '../common/errors.js';

export class CloudpipeNotConfigured extends Invalid {
  constructor() {
    super('Cloudpipe is not configured: set vpn_image_id to the image of the VPN appliance.');
  }
}
