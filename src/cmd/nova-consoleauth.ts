import { runRpcService } from './run-service.js';

await runRpcService('nova-consoleauth', process.argv.slice(2));
