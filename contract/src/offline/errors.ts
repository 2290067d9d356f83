// The one error the offline format parsers throw: a reason for programs, a message that names the way out.
export const OFFLINE_FORMAT_ERROR_REASONS = {
  MALFORMED: "The text is neither an offline file (JSON) nor a compact JWS: the file was cut short, edited, or is another file.",
  WRONG_FORMAT: "The file is not of the expected format (a request where a response was expected, or another JSON file).",
  NEWER_VERSION: "The file was made by a newer tool: update this tool to read it.",
  WRONG_KIND: "The file is of the wrong kind (an activation where a renewal was expected, or the other way round).",
  BAD_SIGNATURE: "The signature does not verify: the file was edited, or it was signed by another key.",
  UNKNOWN_KEY: "The file was signed by a key this side does not know (not in the keys it trusts).",
  INVALID_PAYLOAD: "The signed content lacks a field or has a field of the wrong form.",
  STALE: "The request is older than the service accepts: make a new request on the appliance.",
  FUTURE: "The request is dated in the future: the appliance clock is wrong; fix it and make a new request.",
  WRONG_NONCE: "The response answers another request (its nonce is not the pending one): use the response to the latest request.",
  WRONG_APPLIANCE: "The response is for another appliance.",
  WRONG_KEY: "The response is bound to another appliance key.",
} as const;

export type OfflineFormatErrorReason = keyof typeof OFFLINE_FORMAT_ERROR_REASONS;

export class OfflineFormatError extends Error {
  override readonly name = "OfflineFormatError";
  constructor(
    readonly reason: OfflineFormatErrorReason,
    message: string = OFFLINE_FORMAT_ERROR_REASONS[reason],
    readonly field?: string,
  ) {
    super(message);
  }
}

export const isOfflineFormatError = (e: unknown): e is OfflineFormatError => e instanceof OfflineFormatError;
