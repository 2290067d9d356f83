// Admin password rules, stated on screen and enforced the same way in non-interactive mode.
export const PASSWORD_RULES = ["at least 12 characters", "upper- and lower-case letters and a digit", "not the word 'password' or 'admin'"] as const;

export function passwordProblems(password: string): string[] {
  const problems: string[] = [];
  if (password.length < 12) problems.push("is shorter than 12 characters");
  if (!/[a-z]/.test(password) || !/[A-Z]/.test(password)) problems.push("needs upper- and lower-case letters");
  if (!/\d/.test(password)) problems.push("needs a digit");
  if (/password|admin/i.test(password)) problems.push("contains 'password' or 'admin'");
  return problems;
}
