/**
 * In-process notice that what a guest reads from the metadata service changed (server
 * metadata, the posted password). The metadata service of the same process drops its
 * cached copy at once; a metadata service in another process catches up when its cache
 * entry expires (`metadata_cache_expiration`).
 */
type Listener = (instanceUuid: string) => void;

const listeners = new Set<Listener>();

/** Subscribes; returns the function that unsubscribes. */
export function onInstanceMetadataChanged(listener: Listener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function instanceMetadataChanged(instanceUuid: string): void {
  for (const listener of listeners) listener(instanceUuid);
}
