import { Command } from 'commander';
import { commonOpts } from '../config/common-opts.js';
import { rpcOpts } from '../rpc/opts.js';
import { conductorOpts, serviceOpts } from '../service/opts.js';
import { type CommonArgs, loadConfigOrExit, onShutdown, setupLogging, startOrExit, withConfigArgs } from './common.js';
import { openRuntime, waitForConductor } from './runtime.js';
import { conductorFor, createService, RPC_BINARIES, type RpcBinary } from './service-table.js';

/** The main of a binary that runs one RPC service (nova-conductor, nova-compute, …). */
export async function runRpcService(binary: RpcBinary, argv: string[]): Promise<void> {
  const program = withConfigArgs(new Command(binary)).description(`run ${binary}`);
  program.parse(argv, { from: 'user' });
  const conf = loadConfigOrExit(program.opts<CommonArgs>());
  setupLogging(conf, binary);
  const def = RPC_BINARIES[binary];
  const useLocal = conf.get(conductorOpts).use_local;
  const { runtime, service } = await startOrExit(async () => {
    const runtime = await openRuntime(conf, { database: def.dbAllowed || useLocal });
    // Built before waiting for the conductor, so that a configuration mistake (an unknown
    // compute_driver, say) stops start-up at once instead of after the conductor answers.
    const service = createService(binary, runtime);
    if (!def.dbAllowed && !useLocal) {
      await waitForConductor(conductorFor(runtime, conf.get(commonOpts).host ?? 'localhost'), conf.get(rpcOpts).rpc_response_timeout ?? 60);
    }
    await service.start();
    return { runtime, service };
  });
  onShutdown(async () => {
    await service.stop();
    await runtime.close();
  }, conf.get(serviceOpts).graceful_shutdown_timeout ?? 60);
}
