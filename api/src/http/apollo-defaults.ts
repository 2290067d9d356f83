// Apollo Server's built-in plugins that it installs unless told otherwise, none of which this API uses:
// - cache control: installed always, it hooks every field resolution of every request to compute
//   cache hints nobody reads (answers are never cached: POST, per principal);
// - inline trace: federated subgraphs' traces; installed always (it loads the usage-reporting protobuf
//   at start-up) and then finds the schema is not a subgraph;
// - usage and schema reporting to Apollo GraphOS: switched on by APOLLO_KEY / APOLLO_SCHEMA_REPORTING in
//   the environment, which must not make a licensing server report its operations to a third party.
import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from "@apollo/server/plugin/disabled";

export const unusedBuiltInPlugins = (): ApolloServerPlugin<BaseContext>[] => [
  ApolloServerPluginCacheControlDisabled(),
  ApolloServerPluginInlineTraceDisabled(),
  ApolloServerPluginUsageReportingDisabled(),
  ApolloServerPluginSchemaReportingDisabled(),
];
