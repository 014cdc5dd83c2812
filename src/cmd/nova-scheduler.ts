import { runRpcService } from './run-service.js';

await runRpcService('nova-scheduler', process.argv.slice(2));
