/**
 * The one error type the fetch script treats as expected. Its own module so that
 * every other part can throw it without importing each other.
 */

/**
 * An expected failure (offline, HTTP error, wrong file, broken manifest) whose
 * message is a complete sentence for the user: the CLI prints it alone, without
 * a stack trace, and exits 1. Anything else is a bug and is reported as one.
 */
export class ModelFetchError extends Error {
  override readonly name = 'ModelFetchError';
  /** Short machine-readable reason, for tests and callers that branch on it. */
  readonly code: string;

  constructor(message: string, code: string) {
    super(message);
    this.code = code;
  }
}
