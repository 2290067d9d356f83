// The seat bound every entitlement change shares, whoever drives it: the admin mutations refuse more,
// and a Stripe quantity beyond it is a malformed event (billing/stripe-objects.ts).

/** The most appliances one entitlement licenses at once. */
export const MAX_SEATS = 100_000;

export const isSeatCount = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= MAX_SEATS;
