import { runRpcService } from './run-service.js';

await runRpcService('nova-conductor', process.argv.slice(2));
