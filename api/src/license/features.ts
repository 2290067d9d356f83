// License features per edition (claims.features). MOBILE_ACCESS gates the mobile app on an
// appliance (the app checks the license for it); essentials runs unlicensed and carries none.
import type { Edition } from "../generated/prisma/enums.js";

export const EDITION_FEATURES: Record<Edition, readonly string[]> = {
  ESSENTIALS: [],
  PRO: ["MOBILE_ACCESS", "SSO", "EXTENSIONS"],
  PREMIUM: ["MOBILE_ACCESS", "SSO", "EXTENSIONS", "ADVANCED_WORKFLOWS", "PRIORITY_SUPPORT"],
};

export const isPaid = (edition: Edition) => edition !== "ESSENTIALS";
