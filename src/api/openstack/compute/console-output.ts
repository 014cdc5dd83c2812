/** `os-getConsoleOutput` (the os-console-output extension). */
import { Type } from 'typebox';
import { NotFound } from '../../../common/errors.js';
import { getConsoleOutput } from '../../../compute/api/guest.js';
import type { ComputeAPI } from '../../../compute/api/index.js';
import { ComputeResponse, defineResource, type ResourceModule } from '../routing.js';

const PATH = '/servers/:server_id/action';

const ConsoleOutputBody = Type.Object(
  {
    'os-getConsoleOutput': Type.Object(
      {
        length: Type.Optional(
          Type.Union([Type.Integer({ minimum: -1, maximum: 0x7fffffff }), Type.String({ pattern: '^(-1|[0-9]{1,9})$' }), Type.Null()]),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/**
 * Characters the log may not carry: the controls but tab and newline, as Nova strips them
 * (its XML output could not escape them).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
const CONTROL_CHARACTERS = /[\x00-\x08\x0B-\x1F]/g;

export function consoleOutputResource(deps: { compute: ComputeAPI }): ResourceModule {
  const { compute } = deps;
  return defineResource('console-output', (r) => {
    r.action({
      path: PATH,
      action: 'os-getConsoleOutput',
      body: ConsoleOutputBody,
      successStatus: 200,
      handler: async (req) => {
        req.authorize('compute_extension:console_output');
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        const raw = req.body['os-getConsoleOutput'].length;
        const parsed = raw === undefined || raw === null ? null : Number(raw);
        const length = parsed === null || parsed < 0 ? null : parsed;
        let output: string;
        try {
          output = await getConsoleOutput(compute.deps, req.ctx, instance, length);
        } catch (err) {
          // The hypervisor does not have the guest (yet, or any more).
          if (err instanceof NotFound) throw new NotFound('Unable to get console');
          throw err;
        }
        return new ComputeResponse({ output: output.replace(CONTROL_CHARACTERS, '') });
      },
    });
  });
}
