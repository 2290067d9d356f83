// The editions a tenant can be licensed for, and the features a license of each carries
// (claims.features). MOBILE_ACCESS gates the mobile app on an appliance; ESSENTIALS runs unlicensed
// and carries none. The control plane's GraphQL enum Edition must list the same editions.
import type { Edition } from "../generated/graphql.js";

export const EDITIONS = ["ESSENTIALS", "PRO", "PREMIUM"] as const satisfies readonly Edition[];
export type LicenseEdition = (typeof EDITIONS)[number];

// every edition of the GraphQL schema is listed above (this line fails to compile otherwise)
const _allEditions: Record<Exclude<Edition, LicenseEdition>, never> = {};
void _allEditions;

export const isEdition = (value: unknown): value is LicenseEdition => typeof value === "string" && (EDITIONS as readonly string[]).includes(value);

export const LICENSE_FEATURES = ["MOBILE_ACCESS", "SSO", "EXTENSIONS", "ADVANCED_WORKFLOWS", "PRIORITY_SUPPORT"] as const;
export type LicenseFeature = (typeof LICENSE_FEATURES)[number];

export const EDITION_FEATURES: Record<LicenseEdition, readonly LicenseFeature[]> = {
  ESSENTIALS: [],
  PRO: ["MOBILE_ACCESS", "SSO", "EXTENSIONS"],
  PREMIUM: ["MOBILE_ACCESS", "SSO", "EXTENSIONS", "ADVANCED_WORKFLOWS", "PRIORITY_SUPPORT"],
};

export const isPaid = (edition: LicenseEdition) => edition !== "ESSENTIALS";
