import type { Migration } from '../../migrator.js';
import { grizzlyBaseline } from './161_grizzly.js';

/** The migration repository of Nova's own tables (`migrate_version.repository_id = 'nova'`). */
export const NOVA_REPOSITORY = 'nova';

/** Nova's migrations, oldest first; features after Grizzly add 162 and up. */
export const novaMigrations: readonly Migration[] = [grizzlyBaseline];
