/** What a webhook request ended as: the `outcome` field of its one log line. */
export type Outcome =
  | 'accepted'
  | 'duplicate'
  | 'unauthorized'
  | 'forbidden'
  | 'invalid_json'
  | 'invalid_payload'
  | 'unrecognised'
  | 'unsupported_media_type'
  | 'too_large'
  | 'too_slow'
  | 'not_configured'
  | 'method_not_allowed'
  | 'store_unavailable'
  | 'internal_error'
  | 'aborted';

export interface HttpErrorOptions {
  /** The outcome logged for a webhook request that ends with this error. */
  outcome?: Outcome;
  /** Why, for the log only: never sent to the client. */
  reason?: string;
  /** Extra fields of the JSON body, beside `error`. */
  body?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** An error that becomes a JSON response `{"error": code, ...body}` with its status. */
export class HttpError extends Error {
  readonly outcome: Outcome | undefined;
  readonly reason: string | undefined;
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    readonly code: string,
    options: HttpErrorOptions = {},
  ) {
    super(options.reason ?? code);
    this.name = 'HttpError';
    this.outcome = options.outcome;
    this.reason = options.reason;
    this.body = options.body ?? {};
    this.headers = options.headers ?? {};
  }
}

/** The store could not commit or read (disk full, database down, timeout): the sender should retry. */
export class StoreUnavailableError extends Error {
  /** The session whose event could not be stored, when known: for the log line. */
  sessionId: string | null = null;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * The database refused one write for what it holds (a character or a value it cannot store), not
 * for an outage: retrying would fail for ever, so the delivery is quarantined instead.
 */
export class StoreRejectedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreRejectedError';
  }
}

/** The environment does not describe a runnable service; `problems` lists every reason at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
