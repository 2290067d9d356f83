// Assembles the schema: each module registers its types and fields on the shared builder.
import { lexicographicSortSchema, printSchema } from "graphql";
import { builder } from "./builder.js";
import "./enums.js";
import "./entitlement.js";
import "./install-code.js";
import "./appliance.js";
import "./audit-event.js";
import "./tenant.js";
import "./tenant-queries.js";
import "./register-tenant.js";
import "./redeem-install-code.js";
import "./reissue-install-code.js";
import "./check-in.js";
import "./seat-report.js";
import "./offline-activation.js";
import "./admin-mutations.js";
import "./entitlement-mutations.js";
import "./appliance-health.js";
import "./webhook-endpoints.js";
import "./webhook-deliveries.js";
import "./dead-mail.js";

export const schema = builder.toSchema();

/** The SDL checked in as schema.graphql (the store client is generated from it). */
export const printSdl = () => printSchema(lexicographicSortSchema(schema));
