// The administrator password rules (setup-tui/src/password-policy.ts), stated on screen and enforced
// the same way by the wizard and the non-interactive setup.
import { PASSWORD_RULES, passwordProblems } from "../../setup-tui/src/password-policy.js";

describe("passwordProblems", () => {
  it.each([
    ["Correct-Horse-42", []],
    ["Abcdefghijk1", []], // exactly 12
    ["Abcdefghij1", ["is shorter than 12 characters"]],
    ["correct-horse-42", ["needs upper- and lower-case letters"]],
    ["CORRECT-HORSE-42", ["needs upper- and lower-case letters"]],
    ["Correct-Horse-xx", ["needs a digit"]],
    ["MyPassword-2026", ["contains 'password' or 'admin'"]],
    ["Administrator-7", ["contains 'password' or 'admin'"]],
    ["", ["is shorter than 12 characters", "needs upper- and lower-case letters", "needs a digit"]],
    ["admin", ["is shorter than 12 characters", "needs upper- and lower-case letters", "needs a digit", "contains 'password' or 'admin'"]],
    ["Ünïcödé-Pass-1", []],
  ])("%j → %j", (password, problems) => {
    expect(passwordProblems(password)).toEqual(problems);
  });

  it("the rules said on screen name each check", () => {
    expect(PASSWORD_RULES).toEqual(["at least 12 characters", "upper- and lower-case letters and a digit", "not the word 'password' or 'admin'"]);
  });
});
