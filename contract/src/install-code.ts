// Install-code format, shared by the API (minting, digesting) and the appliance console (which checks a
// code locally before spending a rate-limited attempt). Dependency-free on purpose.
//
// 19 random symbols of Crockford base32 (95 bits) + 1 Luhn mod 32 check symbol, shown as
// XXXX-XXXX-XXXX-XXXX-XXXX. Input is case-, dash- and space-insensitive; I/L read as 1, O as 0.
export const CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const CODE_PAYLOAD_LENGTH = 19;
export const CODE_LENGTH = CODE_PAYLOAD_LENGTH + 1;
export const CODE_GROUP = 4;

const LOOKALIKES: Record<string, string> = { I: "1", L: "1", O: "0" };

/** Canonical form (20 symbols, no separators), or null when it contains foreign characters. */
export function canonicalizeInstallCode(input: string): string | null {
  const compact = input.toUpperCase().replace(/[\s-]+/g, "");
  let out = "";
  for (const ch of compact) {
    const mapped = LOOKALIKES[ch] ?? ch;
    if (!CODE_ALPHABET.includes(mapped)) return null;
    out += mapped;
  }
  return out;
}

/** Luhn mod N check symbol: catches every single-symbol typo and most adjacent swaps. */
export function checkSymbol(payload: string): string {
  const n = CODE_ALPHABET.length;
  let factor = 2;
  let sum = 0;
  for (let i = payload.length - 1; i >= 0; i--) {
    let addend = factor * CODE_ALPHABET.indexOf(payload[i]!);
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / n) + (addend % n);
    sum += addend;
  }
  return CODE_ALPHABET[(n - (sum % n)) % n]!;
}

export type InstallCodeCheck = { ok: true; canonical: string; formatted: string } | { ok: false; reason: "CHARACTERS" | "LENGTH" | "CHECK" };

/** Local validation: alphabet, length and check symbol. */
export function checkInstallCode(input: string): InstallCodeCheck {
  const canonical = canonicalizeInstallCode(input);
  if (canonical === null) return { ok: false, reason: "CHARACTERS" };
  if (canonical.length !== CODE_LENGTH) return { ok: false, reason: "LENGTH" };
  if (checkSymbol(canonical.slice(0, -1)) !== canonical.at(-1)) return { ok: false, reason: "CHECK" };
  return { ok: true, canonical, formatted: formatInstallCode(canonical) };
}

export type InstallCodeProblem = Extract<InstallCodeCheck, { ok: false }>["reason"];

/** What a failed local check means, in the words the console and the non-interactive mode use. */
export function describeInstallCodeProblem(reason: InstallCodeProblem, input = ""): string {
  switch (reason) {
    case "CHARACTERS":
      return "It contains characters that never appear in install codes (such as the letter U, or punctuation other than dashes and spaces).";
    case "LENGTH": {
      const typed = canonicalizeInstallCode(input)?.length;
      return `An install code has ${CODE_LENGTH} characters (5 groups of 4)${typed !== undefined ? `; this one has ${typed}` : ""}.`;
    }
    case "CHECK":
      return "One character is mistyped: the last character is a check character computed from the others, and it does not match. Compare the code with the email.";
  }
}

/** Groups of four, for display; also used to echo partial input as it is typed. */
export function formatInstallCode(canonical: string): string {
  return canonical.match(new RegExp(`.{1,${CODE_GROUP}}`, "g"))?.join("-") ?? "";
}
