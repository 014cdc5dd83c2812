/**
 * `/servers/{id}/os-instance-actions[/{request_id}]` (the os-instance-actions extension):
 * what was asked of a server, by whom, and, for admins, the steps each service ran.
 */
import { NotFound } from '../../../common/errors.js';
import type { ComputeAPI } from '../../../compute/api/index.js';
import { type InstanceAction, type InstanceActionEvent, instanceAction, instanceActions } from '../../../compute/api/instance-actions.js';
import { naiveIsoTime } from '../common.js';
import { defineResource, type ResourceModule } from '../routing.js';

const RULE = 'compute_extension:instance_actions';

function actionView(a: InstanceAction): Record<string, unknown> {
  return {
    action: a.action,
    instance_uuid: a.instance_uuid,
    request_id: a.request_id,
    user_id: a.user_id,
    project_id: a.project_id,
    start_time: naiveIsoTime(a.start_time),
    message: a.message ?? null,
  };
}

function eventView(e: InstanceActionEvent): Record<string, unknown> {
  return {
    event: e.event,
    start_time: naiveIsoTime(e.start_time),
    finish_time: naiveIsoTime(e.finish_time),
    result: e.result ?? null,
    traceback: e.traceback ?? null,
  };
}

export function instanceActionsResource(deps: { compute: ComputeAPI }): ResourceModule {
  const { compute } = deps;
  return defineResource('instance-actions', (r) => {
    r.route({
      method: 'GET',
      path: '/servers/:server_id/os-instance-actions',
      handler: async (req) => {
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        req.authorize(RULE, { project_id: instance.project_id, user_id: instance.user_id });
        const actions = await instanceActions(compute.deps, req.ctx, instance);
        return { instanceActions: actions.map(actionView) };
      },
    });
    r.route({
      method: 'GET',
      path: '/servers/:server_id/os-instance-actions/:request_id',
      handler: async (req) => {
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        const target = { project_id: instance.project_id, user_id: instance.user_id };
        req.authorize(RULE, target);
        const found = await instanceAction(compute.deps, req.ctx, instance, req.params.request_id as string);
        if (!found) throw new NotFound('Action not found');
        const view = actionView(found.action);
        if (req.allowed(`${RULE}:events`, target)) view.events = found.events.map(eventView);
        return { instanceAction: view };
      },
    });
  });
}
