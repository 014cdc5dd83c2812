/**
 * CreateTags, DeleteTags and DescribeTags, as Havana added them: tags live only on
 * instances, as their user metadata.
 */
import type { InstanceRecord } from '../../../compute/api/index.js';
import { MetadataItemNotFound } from '../../../compute/api/metadata.js';
import { parseEc2Id } from '../../../compute/ec2-ids.js';
import type { RequestContext } from '../../../context/context.js';
import { Ec2Error, invalidParameterValue, missingParameter } from '../errors.js';
import { applyFilters } from '../filters.js';
import type { Ec2Params } from '../params.js';
import type { Ec2Services } from '../services.js';
import { ec2InstanceId, findInstances, instanceViewIds } from './instance-view.js';
import { defineEc2Actions } from './registry.js';

async function taggedInstances(ctx: RequestContext, services: Ec2Services, params: Ec2Params): Promise<InstanceRecord[]> {
  const ids = params.list('ResourceId');
  if (ids.length === 0) throw missingParameter('ResourceId');
  for (const id of ids) {
    const parsed = parseEc2Id(id);
    if (!parsed) throw new Ec2Error('InvalidID', `The ID '${id}' is not valid`);
    if (parsed.prefix !== 'i') throw invalidParameterValue(`Tags are supported on instances only, not on '${id}'.`);
  }
  return findInstances(ctx, services, ids);
}

interface Tag {
  resourceId: string;
  resourceType: string;
  key: string;
  value: string;
}

export const tagActions = defineEc2Actions('tags', {
  async CreateTags({ ctx, params, services }) {
    const instances = await taggedInstances(ctx, services, params);
    const tags = params.members('Tag');
    if (tags.length === 0) throw missingParameter('Tag');
    const metadata: Record<string, string> = {};
    for (const tag of tags) {
      const key = tag.get('Key');
      if (key === undefined || key === '') throw missingParameter('Tag.Key');
      if (key.startsWith('aws:')) throw invalidParameterValue('Tag keys starting with aws: are reserved.');
      metadata[key] = tag.get('Value') ?? '';
    }
    for (const instance of instances) await services.compute.updateInstanceMetadata(ctx, instance, metadata);
    return { return: true };
  },

  async DeleteTags({ ctx, params, services }) {
    const instances = await taggedInstances(ctx, services, params);
    const tags = params.members('Tag');
    for (const instance of instances) {
      const current = instance.metadata;
      // Without Tag.N every tag goes; with a Value, only a tag holding that value.
      const doomed =
        tags.length === 0
          ? Object.keys(current)
          : tags
              .filter((t) => {
                const key = t.get('Key') ?? '';
                const v = t.get('Value');
                return key in current && (v === undefined || current[key] === v);
              })
              .map((t) => t.get('Key') ?? '');
      for (const key of doomed) {
        try {
          await services.compute.deleteInstanceMetadata(ctx, instance, key);
        } catch (err) {
          if (!(err instanceof MetadataItemNotFound)) throw err;
        }
      }
    }
    return { return: true };
  },

  async DescribeTags({ ctx, params, services }) {
    const instances = await services.compute.getAll(ctx, { deleted: false }, { sortKeys: ['created_at'], sortDirs: ['asc'] });
    const ids = await instanceViewIds(services, instances);
    const tags: Tag[] = instances.flatMap((i) =>
      Object.entries(i.metadata)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, value]) => ({ resourceId: ec2InstanceId({ ids }, i), resourceType: 'instance', key, value })),
    );
    const kept = applyFilters(tags, params.filters(), {
      'resource-id': (t) => t.resourceId,
      'resource-type': (t) => t.resourceType,
      key: (t) => t.key,
      value: (t) => t.value,
    });
    return { tagSet: kept.map((t) => ({ ...t })) };
  },
});
