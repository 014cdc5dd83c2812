/**
 * The binaries whose services nova-ts does not have yet. They say so and exit non-zero,
 * rather than starting something that pretends to work.
 */
export function notAvailableYet(binary: string, what: string): never {
  process.stderr.write(`${binary}: ${what} is not implemented in nova-ts yet\n`);
  process.exit(1);
}
