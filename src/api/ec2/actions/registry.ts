/**
 * How EC2 actions plug in: a module names the actions it answers, and the table maps each
 * `Action` parameter to its handler. Adding actions is one new module plus its line in
 * actions/index.ts.
 */
import type { RequestContext } from '../../../context/context.js';
import type { Ec2Params } from '../params.js';
import type { Ec2Services } from '../services.js';
import type { XmlObject } from '../xml.js';

export interface Ec2ActionRequest {
  readonly ctx: RequestContext;
  readonly params: Ec2Params;
  readonly services: Ec2Services;
}

/** Returns the children of `<{Action}Response>` (after the requestId). */
export type Ec2Action = (req: Ec2ActionRequest) => Promise<XmlObject>;

export interface Ec2ActionModule {
  readonly name: string;
  readonly actions: Readonly<Record<string, Ec2Action>>;
}

export function defineEc2Actions(name: string, actions: Record<string, Ec2Action>): Ec2ActionModule {
  return { name, actions };
}

export function actionTable(modules: readonly Ec2ActionModule[]): ReadonlyMap<string, Ec2Action> {
  const table = new Map<string, Ec2Action>();
  for (const module of modules) {
    for (const [action, handler] of Object.entries(module.actions)) {
      if (table.has(action)) throw new Error(`EC2 action ${action} is declared twice (again in ${module.name})`);
      table.set(action, handler);
    }
  }
  return table;
}

/** The caller's user id; EC2 key pairs belong to users. */
export function userOf(ctx: RequestContext): string {
  return ctx.userId ?? '';
}
