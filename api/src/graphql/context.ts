import type { Logger } from "pino";
import type { Actor } from "../domain/principal.js";
import type { Services } from "../domain/services.js";

/** Per-request GraphQL context: the caller and the services the resolvers hand to domain functions. */
export interface GraphQLContext extends Actor {
  services: Services;
  log: Logger;
  /** query depth / complexity / breadth limits (GRAPHQL_MAX_*) */
  limits: { depth: number; complexity: number; breadth: number };
}
