import { checkInstallCode, checkSymbol, CODE_ALPHABET, formatInstallCode } from "../contract/src/install-code.js";
import { generateInstallCode } from "../api/src/domain/install-code.js";

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
