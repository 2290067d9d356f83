// The install-code format both sides share: the API mints and digests codes, the appliance checks one
// locally before spending a rate-limited attempt. Pinned vectors: a change to the check symbol would
// refuse every code already emailed.
import {
  canonicalizeInstallCode,
  checkInstallCode,
  checkSymbol,
  CODE_ALPHABET,
  describeInstallCodeProblem,
  formatInstallCode,
} from "../../contract/src/install-code.js";
import { generateInstallCode } from "../../api/src/domain/install-code.js";

describe("install code format", () => {
  it("mints 5 groups of 4 from the look-alike-free alphabet with a valid check symbol", () => {
    for (let i = 0; i < 200; i++) {
      const code = generateInstallCode();
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/);
      expect(checkInstallCode(code)).toEqual({ ok: true, canonical: code.replace(/-/g, ""), formatted: code });
    }
  });

  it("accepts any case, dashes and spaces, and reads I/L as 1 and O as 0", () => {
    const payload = "0123456789ABCDEFGH1";
    const code = formatInstallCode(payload + checkSymbol(payload));
    const messy = ` ${code.toLowerCase().replace(/-/g, " - ").replace(/1/g, "l").replace(/0/g, "O")} `;
    expect(checkInstallCode(messy)).toMatchObject({ ok: true, formatted: code });
  });

  it("rejects every single-symbol typo through the check symbol", () => {
    const canonical = generateInstallCode().replace(/-/g, "");
    for (let pos = 0; pos < canonical.length; pos++) {
      for (const ch of CODE_ALPHABET) {
        if (ch === canonical[pos]) continue;
        const typo = canonical.slice(0, pos) + ch + canonical.slice(pos + 1);
        expect(checkInstallCode(typo)).toEqual({ ok: false, reason: "CHECK" });
      }
    }
  });

  it("names what is wrong: foreign characters, length", () => {
    expect(checkInstallCode("ABCD-EFGH-!!!!")).toEqual({ ok: false, reason: "CHARACTERS" });
    expect(checkInstallCode("ABCD-U000-0000-0000-0000")).toEqual({ ok: false, reason: "CHARACTERS" });
    expect(checkInstallCode("ABCD-EFGH")).toEqual({ ok: false, reason: "LENGTH" });
  });
});

describe("install code format, table by table", () => {
  // Luhn mod 32 over the Crockford alphabet, e.g. "1": 2·1 = 2, (32 - 2) mod 32 = 30 → "Y"
  it.each([
    ["1", "Y"],
    ["0000000000000000000", "0"],
    ["0123456789ABCDEFGH1", "W"],
    ["ZZZZZZZZZZZZZZZZZZZ", "K"],
    ["7Q2KM9D4TXB8RF3HWNA", "B"],
  ])("check symbol of %s is %s", (payload, symbol) => {
    expect(checkSymbol(payload)).toBe(symbol);
  });

  it.each([
    ["abcd-efgh", "ABCDEFGH"],
    ["  ab cd\t-ef  ", "ABCDEF"],
    ["IL0O", "1100"],
    ["", ""],
    ["ABCU", null],
    ["AB_CD", null],
    ["ÄBCD", null],
  ])("canonical form of %j is %j", (input, canonical) => {
    expect(canonicalizeInstallCode(input)).toBe(canonical);
  });

  it.each([
    ["0000-0000-0000-0000-0000", { ok: true, canonical: "00000000000000000000", formatted: "0000-0000-0000-0000-0000" }],
    ["0123-4567-89ab-cdef-gh1w", { ok: true, canonical: "0123456789ABCDEFGH1W", formatted: "0123-4567-89AB-CDEF-GH1W" }],
    ["0123-4567-89ab-cdef-gh1x", { ok: false, reason: "CHECK" }],
    // two adjacent symbols swapped
    ["1023-4567-89AB-CDEF-GH1W", { ok: false, reason: "CHECK" }],
    ["0123-4567-89AB-CDEF-GH1", { ok: false, reason: "LENGTH" }],
    ["0123-4567-89AB-CDEF-GH1W-0", { ok: false, reason: "LENGTH" }],
    ["", { ok: false, reason: "LENGTH" }],
    ["0123-4567-89AB-CDEF-GH1W!", { ok: false, reason: "CHARACTERS" }],
  ])("checkInstallCode(%j)", (input, result) => {
    expect(checkInstallCode(input)).toEqual(result);
  });

  it.each([
    ["", ""],
    ["ABC", "ABC"],
    ["ABCD", "ABCD"],
    ["ABCDE", "ABCD-E"],
    ["0123456789ABCDEFGH1W", "0123-4567-89AB-CDEF-GH1W"],
  ])("formatInstallCode(%j) is %j", (canonical, formatted) => {
    expect(formatInstallCode(canonical)).toBe(formatted);
  });

  it.each([
    ["LENGTH", "ABCD-EF", "An install code has 20 characters (5 groups of 4); this one has 6."],
    ["LENGTH", "AB!", "An install code has 20 characters (5 groups of 4)."],
    ["CHARACTERS", "", "It contains characters that never appear in install codes (such as the letter U, or punctuation other than dashes and spaces)."],
    [
      "CHECK",
      "",
      "One character is mistyped: the last character is a check character computed from the others, and it does not match. Compare the code with the email.",
    ],
  ] as const)("%s problem of %j is explained", (reason, input, text) => {
    expect(describeInstallCodeProblem(reason, input)).toBe(text);
  });
});
