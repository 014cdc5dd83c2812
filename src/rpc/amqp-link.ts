/** One connection to the broker as the AMQP transport and its consumers share it. */
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';

/** One live connection with its channels. A broken link is never reused; the next one replaces it. */
export interface Link {
  readonly generation: number;
  readonly model: ChannelModel;
  /** Publishes, with confirms. */
  readonly pub: ConfirmChannel;
  /** Declarations and consumers. */
  readonly sub: Channel;
  /** messageIds the broker handed back as unroutable (basic.return precedes the confirm). */
  readonly returned: Set<string>;
  broken: boolean;
  replyReady?: Promise<void>;
}

/** Runs a channel operation that may race with the channel closing. */
export function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // The channel closed between the check and the call; the broker redelivers what was not acked.
  }
}
