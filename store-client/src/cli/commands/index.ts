// Every alga-store command, in the order the help lists them.
import type { Command } from "../command.js";
import activateOffline from "./activate-offline.js";
import cancel from "./cancel.js";
import entitlement from "./entitlement.js";
import entitlements from "./entitlements.js";
import extend from "./extend.js";
import grant from "./grant.js";
import overdue from "./overdue.js";
import mailDead from "./mail-dead.js";
import mailRetry from "./mail-retry.js";
import pastDue from "./past-due.js";
import register from "./register.js";
import reissue from "./reissue.js";
import renewOffline from "./renew-offline.js";
import setEdition from "./set-edition.js";
import setSeats from "./set-seats.js";
import tenant from "./tenant.js";
import tenants from "./tenants.js";

export const COMMANDS: readonly Command[] = [
  register,
  reissue,
  activateOffline,
  renewOffline,
  tenant,
  tenants,
  overdue,
  entitlement,
  entitlements,
  grant,
  setEdition,
  setSeats,
  extend,
  pastDue,
  cancel,
  mailDead,
  mailRetry,
];
