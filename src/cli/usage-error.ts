/** A mistake in the command line or in the app it names: reported in one message, exit status 2. */
export class UsageError extends Error {}
