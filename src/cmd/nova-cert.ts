import { runRpcService } from './run-service.js';

await runRpcService('nova-cert', process.argv.slice(2));
