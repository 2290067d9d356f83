import type { Logger } from "pino";
import type { Actor } from "../domain/principal.js";
import type { Services } from "../domain/services.js";

/** What the request's one access log line says about its GraphQL operation (filled as it runs). */
export interface OperationReport {
  operation?: string;
  field?: string;
  operationType?: string;
  outcome?: string;
}

/** Per-request GraphQL context: the caller and the services the resolvers hand to domain functions. */
export interface GraphQLContext extends Actor {
  /** shared with the HTTP access log line (http/exchange.ts), which is written when the response ends */
  report: OperationReport;
  services: Services;
  log: Logger;
  /** query depth / complexity / breadth limits (GRAPHQL_MAX_*) */
  limits: { depth: number; complexity: number; breadth: number };
}
