import type { RequestContext } from '../context/context.js';
import type { ImageService } from '../image/glance-client.js';
import type { ImageSource } from '../virt/types.js';

/**
 * The image service as a virt driver sees it: bound to the request that asked for the
 * build, so downloads carry the caller's token as Nova's compute does, while the driver
 * itself knows nothing of contexts.
 */
export function imageSourceFor(images: ImageService | undefined, ctx: RequestContext): ImageSource | undefined {
  if (!images) return undefined;
  return {
    async show(imageId) {
      const image = await images.show(ctx, imageId);
      return {
        id: image.id,
        name: image.name ?? '',
        status: image.status,
        size: image.size,
        disk_format: image.disk_format,
        container_format: image.container_format,
        checksum: image.checksum,
        properties: image.properties,
      };
    },
    download: (imageId) => images.download(ctx, imageId),
  };
}
