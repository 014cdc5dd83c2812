/** `os-migrations` (admin): the resize and migration records, filtered by host and status. */
import type { Migration, MigrationAPI } from '../../../compute/migrations.js';
import { registerPolicyDefaults } from '../../../policy/defaults.js';
import { naiveIsoTime, queryParam } from '../common.js';
import { defineResource, type ResourceModule } from '../routing.js';

registerPolicyDefaults({ 'compute_extension:migrations:index': 'rule:admin_api' });

function view(m: Migration): Record<string, unknown> {
  return {
    id: m.id,
    status: m.status,
    instance_uuid: m.instance_uuid,
    source_node: m.source_node,
    source_compute: m.source_compute,
    dest_node: m.dest_node,
    dest_compute: m.dest_compute,
    dest_host: m.dest_host,
    old_instance_type_id: m.old_instance_type_id,
    new_instance_type_id: m.new_instance_type_id,
    created_at: naiveIsoTime(m.created_at),
    updated_at: naiveIsoTime(m.updated_at),
  };
}

export function migrationsResource(lister: MigrationAPI): ResourceModule {
  return defineResource('os-migrations', (r) => {
    r.route({
      method: 'GET',
      path: '/os-migrations',
      handler: async (req) => {
        req.authorize('compute_extension:migrations:index');
        const host = queryParam(req.query, 'host');
        const status = queryParam(req.query, 'status');
        // `cell_name` narrows to one cell; nova-ts runs without cells, so every row is of this one.
        const rows = await lister.list(req.ctx.elevated(), { ...(host ? { host } : {}), ...(status ? { status } : {}) });
        return { migrations: rows.map(view) };
      },
    });
  });
}
