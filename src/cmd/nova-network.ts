import { runRpcService } from './run-service.js';

await runRpcService('nova-network', process.argv.slice(2));
