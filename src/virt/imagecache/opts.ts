import { defineGroup, opt } from '../../config/registry.js';

/** The image cache manager (nova/virt/libvirt/imagecache.py and the compute periodic task). */
export const imageCacheOpts = defineGroup('DEFAULT', {
  image_cache_manager_interval: opt.int(2400, 'Seconds between runs of the image cache manager; 0 disables it.', { min: 0 }),
  image_info_filename_pattern: opt.str(
    '$instances_path/$base_dir_name/%(image)s.info',
    'Where the cache keeps information (checksums) about a base image.',
  ),
  remove_unused_base_images: opt.bool(true, 'Remove base images no instance uses any more.'),
  remove_unused_kernels: opt.bool(false, 'Remove unused kernels and ramdisks as well.'),
  remove_unused_resized_minimum_age_seconds: opt.int(3600, 'Unused resized base images younger than this are kept.', { min: 0 }),
  remove_unused_original_minimum_age_seconds: opt.int(86400, 'Unused original base images younger than this are kept.', { min: 0 }),
  checksum_base_images: opt.bool(false, 'Write and verify SHA-1 checksums of base images.'),
  checksum_interval_seconds: opt.int(3600, 'How often a base image is checksummed again.', { min: 0 }),
});
