// Structured JSON logs (pino). Secrets never reach a log line: GraphQL variables are not logged,
// and these paths are redacted wherever they appear.
import { pino, type Logger } from "pino";

export const REDACT_PATHS = [
  "authorization",
  "*.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  "*.installCode",
  "*.applianceCredential",
  "*.firstJwt",
  "*.token",
  "*.password",
  "*.key",
  "*.secret",
  "variables",
  "*.variables",
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: "alga-license" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination as pino.DestinationStream | undefined,
  );
}
