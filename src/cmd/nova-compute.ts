import { runRpcService } from './run-service.js';

await runRpcService('nova-compute', process.argv.slice(2));
