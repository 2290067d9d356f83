// What the commands that change an entitlement share: their flags and how the result is printed.
import type { EntitlementChange } from "../../client.js";
import { option, type CommandContext, type FlagSpecs } from "../command.js";
import { EXIT } from "../exit-codes.js";
import { isoDate, paidEdition, positiveInt } from "../inputs.js";
import { renderEntitlementChange } from "../render.js";

export const REASON = option("TEXT", "why, kept in the audit");
export const PAID_EDITION = option("pro|premium", "the paid edition", { required: true, parse: paidEdition });
export const SEATS = option("N", "licensed appliances", { parse: positiveInt });
export const VALID_UNTIL = option("DATE", "paid through this date (YYYY-MM-DD or an ISO date-time)", { parse: isoDate });

/** An entitlement change's result, printed; exit 0. */
export function printChange<F extends FlagSpecs>(ctx: CommandContext<F>, change: EntitlementChange): number {
  ctx.print(change, renderEntitlementChange(change));
  return EXIT.OK;
}
