/**
 * `/images` and `/images/{id}/metadata[/{key}]`: the Compute API's proxy to the image
 * service (nova/api/openstack/compute/images.py), through Nova's ImageService interface. Gone after 2.35
 * (images) and 2.38 (image metadata), as in Nova.
 */
import { Type } from 'typebox';
import { BadRequest, ImageNotFound, InvalidInput, OverQuota } from '../../../common/errors.js';
import { MetadataItemNotFound } from '../../../compute/api/metadata.js';
import { apiOpts } from '../../../config/api-opts.js';
import type { Config } from '../../../config/config.js';
import type { RequestContext } from '../../../context/context.js';
import type { ImageFilters, ImageService, NovaImage } from '../../../image/glance-client.js';
import type { QuotaEngine } from '../../../quota/engine.js';
import { metadataLimitExceeded } from '../../../quota/limit-errors.js';
import { buildLinks, collectionLinks, getLimitAndMarker, isoTime, type Query, queryParam } from '../common.js';
import { type ComputeRequest, ComputeResponse, defineResource, type ResourceModule } from '../routing.js';
import { urlJoin } from '../urls.js';
import { metadata } from './parameter-types.js';

const IMAGES_MAX = '2.35';
const METADATA_MAX = '2.38';

const STATUS: Record<string, string> = {
  active: 'ACTIVE',
  queued: 'SAVING',
  saving: 'SAVING',
  deleted: 'DELETED',
  pending_delete: 'DELETED',
  killed: 'ERROR',
};
const PROGRESS: Record<string, number> = { queued: 25, saving: 50, active: 100 };

const AllBody = Type.Object({ metadata: metadata() }, { additionalProperties: false });
const ItemBody = Type.Object({ meta: metadata({ minProperties: 1 }) }, { additionalProperties: false });

export interface ImagesResourceDeps {
  conf: Config;
  images: ImageService;
  /** Checks `metadata_items`; without it the count is not limited. */
  quota?: QuotaEngine;
  /** Image service URL for the `alternate` link (e.g. http://host:9292). */
  imageEndpoint: string;
}

const TRUE_STRINGS = new Set(['1', 't', 'true', 'on', 'y', 'yes']);

/** Nova's list filters, translated to the image service's (nova/api/openstack/compute/images.py, _get_filters). */
export function imageFilters(query: Query): ImageFilters {
  const filters: ImageFilters = {};
  for (const [key, raw] of Object.entries(query)) {
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? (raw[raw.length - 1] as string) : raw;
    if (key === 'name' || key === 'changes-since') filters[key] = value;
    else if (key === 'status') filters.status = value.toLowerCase();
    else if (key === 'server') filters['property-instance_uuid'] = value.replace(/\/+$/, '').split('/').pop() ?? value;
    else if (key === 'type') filters['property-image_type'] = value;
    else if (key === 'minRam') filters.min_ram = value;
    else if (key === 'minDisk') filters.min_disk = value;
    else if (key.startsWith('property-')) filters[key] = value;
  }
  return filters;
}

function imageBriefView(req: ComputeRequest, image: NovaImage): Record<string, unknown> {
  return { id: image.id, name: image.name, links: buildLinks(req, 'images', image.id) };
}

function imageDetailView(req: ComputeRequest, image: NovaImage, imageEndpoint: string): Record<string, unknown> {
  const links: unknown[] = [
    ...buildLinks(req, 'images', image.id),
    {
      rel: 'alternate',
      type: 'application/vnd.openstack.image',
      href: urlJoin(imageEndpoint, ...(req.ctx.projectId ? [req.ctx.projectId] : []), 'images', image.id),
    },
  ];
  const created = image.created_at ?? new Date(0);
  const view: Record<string, unknown> = {
    id: image.id,
    name: image.name,
    minRam: image.min_ram,
    minDisk: image.min_disk,
    metadata: { ...image.properties },
    created: isoTime(created),
    updated: isoTime(image.updated_at ?? created),
    status: STATUS[image.status] ?? 'UNKNOWN',
    progress: PROGRESS[image.status] ?? 0,
    links,
  };
  const server = image.properties.instance_uuid;
  if (server) view.server = { id: server, links: buildLinks(req, 'servers', server) };
  if (req.allowed('compute_extension:image_size')) view['OS-EXT-IMG-SIZE:size'] = image.size;
  const autoDiskConfig = image.properties.auto_disk_config;
  if (autoDiskConfig !== undefined && req.allowed('compute_extension:disk_config')) {
    view['OS-DCF:diskConfig'] = TRUE_STRINGS.has(autoDiskConfig.toLowerCase()) ? 'AUTO' : 'MANUAL';
  }
  return view;
}

async function showImage(images: ImageService, ctx: RequestContext, id: string): Promise<NovaImage> {
  try {
    return await images.show(ctx, id);
  } catch (err) {
    if (err instanceof ImageNotFound) throw new ImageNotFound('Image not found.', { kwargs: { image_id: id } });
    throw err;
  }
}

export function imagesResource(deps: ImagesResourceDeps): ResourceModule {
  const { images } = deps;
  const maxLimit = (): number => deps.conf.get(apiOpts).osapi_max_limit ?? 1000;

  async function checkMetadataQuota(ctx: RequestContext, count: number): Promise<void> {
    if (!deps.quota || ctx.projectId === null) return;
    try {
      await deps.quota.limitCheck(ctx.projectId, { metadata_items: count }, { quotaClass: ctx.quotaClass });
    } catch (err) {
      if (err instanceof OverQuota) throw metadataLimitExceeded(err.quotas.metadata_items ?? 0);
      throw err;
    }
  }

  async function list(req: ComputeRequest): Promise<NovaImage[]> {
    const filters = imageFilters(req.query);
    if (queryParam(req.query, 'limit') !== undefined || queryParam(req.query, 'marker') !== undefined) {
      const { limit, marker } = getLimitAndMarker(req.query, maxLimit());
      filters.limit = limit;
      if (marker !== null) filters.marker = marker;
    }
    try {
      return await images.detail(req.ctx, filters);
    } catch (err) {
      // The image service's 400 for an unknown marker or a bad filter is the client's error.
      if ((err as { code?: unknown }).code === 400) throw new InvalidInput((err as Error).message);
      throw err;
    }
  }

  async function writeMetadata(req: ComputeRequest, id: string, metadata: Record<string, string>): Promise<Record<string, string>> {
    await checkMetadataQuota(req.ctx, Object.keys(metadata).length);
    const updated = await images.update(req.ctx, id, { properties: metadata }, { purgeProps: true });
    return updated.properties;
  }

  return defineResource('images', (r) => {
    r.route({
      method: 'GET',
      path: '/images',
      maxVersion: IMAGES_MAX,
      handler: async (req) => {
        const views = (await list(req)).map((i) => imageBriefView(req, i));
        const links = collectionLinks(req, views, 'images', maxLimit(), 'id');
        return { images: views, ...(links.length ? { images_links: links } : {}) };
      },
    });
    r.route({
      method: 'GET',
      path: '/images/detail',
      maxVersion: IMAGES_MAX,
      handler: async (req) => {
        const views = (await list(req)).map((i) => imageDetailView(req, i, deps.imageEndpoint));
        const links = collectionLinks(req, views, 'images', maxLimit(), 'id');
        return { images: views, ...(links.length ? { images_links: links } : {}) };
      },
    });
    r.route({
      method: 'GET',
      path: '/images/:image_id',
      maxVersion: IMAGES_MAX,
      handler: async (req) => ({
        image: imageDetailView(req, await showImage(images, req.ctx, req.params.image_id as string), deps.imageEndpoint),
      }),
    });
    r.route({
      method: 'DELETE',
      path: '/images/:image_id',
      maxVersion: IMAGES_MAX,
      successStatus: 204,
      handler: async (req) => {
        const id = req.params.image_id as string;
        try {
          await images.delete(req.ctx, id);
        } catch (err) {
          if (err instanceof ImageNotFound) throw new ImageNotFound('Image not found.', { kwargs: { image_id: id } });
          throw err;
        }
        return undefined;
      },
    });

    r.route({
      method: 'GET',
      path: '/images/:image_id/metadata',
      maxVersion: METADATA_MAX,
      handler: async (req) => ({ metadata: (await showImage(images, req.ctx, req.params.image_id as string)).properties }),
    });
    for (const [method, merge] of [
      ['POST', true],
      ['PUT', false],
    ] as const) {
      r.route({
        method,
        path: '/images/:image_id/metadata',
        maxVersion: METADATA_MAX,
        body: AllBody,
        handler: async (req) => {
          const id = req.params.image_id as string;
          const current = await showImage(images, req.ctx, id);
          const metadata = merge ? { ...current.properties, ...req.body.metadata } : { ...req.body.metadata };
          return { metadata: await writeMetadata(req, id, metadata) };
        },
      });
    }
    r.route({
      method: 'GET',
      path: '/images/:image_id/metadata/:key',
      maxVersion: METADATA_MAX,
      handler: async (req) => {
        const key = req.params.key as string;
        const image = await showImage(images, req.ctx, req.params.image_id as string);
        if (!Object.hasOwn(image.properties, key)) throw new MetadataItemNotFound();
        return { meta: { [key]: image.properties[key] } };
      },
    });
    r.route({
      method: 'PUT',
      path: '/images/:image_id/metadata/:key',
      maxVersion: METADATA_MAX,
      body: ItemBody,
      handler: async (req) => {
        const id = req.params.image_id as string;
        const key = req.params.key as string;
        const items = Object.entries(req.body.meta);
        if (items.length > 1) throw new BadRequest('Request body contains too many items');
        const [item] = items;
        if (!item || item[0] !== key) throw new BadRequest('Request body and URI mismatch');
        const current = await showImage(images, req.ctx, id);
        const metadata = await writeMetadata(req, id, { ...current.properties, [key]: item[1] });
        return { meta: { [key]: metadata[key] } };
      },
    });
    r.route({
      method: 'DELETE',
      path: '/images/:image_id/metadata/:key',
      maxVersion: METADATA_MAX,
      successStatus: 204,
      handler: async (req) => {
        const id = req.params.image_id as string;
        const key = req.params.key as string;
        const current = await showImage(images, req.ctx, id);
        if (!Object.hasOwn(current.properties, key)) throw new MetadataItemNotFound();
        const { [key]: _removed, ...rest } = current.properties;
        await images.update(req.ctx, id, { properties: rest }, { purgeProps: true });
        return new ComputeResponse(undefined, { status: 204 });
      },
    });
  });
}
