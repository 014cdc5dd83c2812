const HAS_ZONE = /(?:[zZ]|[+-]\d\d:?\d\d)$/;

/**
 * A datetime as JSON or Nova writes it. Nova's are naive UTC (`2013-05-01T10:00:00.000000`),
 * so a string without a zone is read as UTC. An unparseable string gives an invalid Date.
 */
export function parseUtc(text: string): Date {
  return new Date(HAS_ZONE.test(text) ? text : `${text}Z`);
}
