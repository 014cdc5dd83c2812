const UUID_LIKE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Whether a value reads as a UUID, with or without dashes, in either case. */
export function isUuidLike(value: unknown): value is string {
  return typeof value === 'string' && UUID_LIKE.test(value);
}
