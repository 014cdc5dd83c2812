import { LocalBus, LocalTransport } from '../../../src/rpc/local-transport.js';
import { runBusContract } from './bus-contract.js';

runBusContract('local', async () => {
  // A bus of its own, so this file shares nothing with other tests of the process.
  const bus = new LocalBus();
  return { newTransport: async () => new LocalTransport({ bus }) };
});
