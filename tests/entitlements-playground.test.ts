// The playground's prepared entitlement query in a real headless Chromium: a support engineer opens
// the "TenantEntitlement" tab, pastes a key and a tenant id, and reads seats, seats used and history.
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "./helpers/browser.js";
import { REDEEM, REGISTER, startTestPlane, type TestPlane } from "./helpers/control-plane.js";

let t: TestPlane;
let browser: Browser;
beforeAll(async () => {
  t = await startTestPlane();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t.stop();
});

const responseIncludes = (needle: string) => (document.querySelector(".graphiql-response")?.textContent ?? "").replace(/\u00a0/g, " ").includes(needle);
const responseText = () => (document.querySelector(".graphiql-response")?.textContent ?? "").replace(/\u00a0/g, " ");

async function replaceEditorText(page: Page, selector: string, text: string) {
  await page.locator(selector).click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text);
}

it("support sees seats, seats used and the entitlement history from the prepared tab", async () => {
  const reg = (await t.gql(REGISTER, { input: { companyName: "Seat Counting Co", contactEmail: "seats@count.test", edition: "PRO" } }, { token: t.keys.store }))
    .data.registerTenant;
  await t.gql(REDEEM, { input: { installCode: reg.installCode, applianceId: "counted-box" } });
  await t.gql(
    `mutation($id: ID!) { setEntitlementSeats(input: { tenantId: $id, seats: 3, reason: "three sites" }) { changed } }`,
    { id: reg.tenantId },
    { token: t.keys.admin },
  );

  const page = await browser.newPage({ viewport: { width: 1400, height: 1600 } });
  await page.goto(`${t.url}/playground/`);
  await page.waitForSelector(".graphiql-container .graphiql-query-editor .monaco-editor", { timeout: 30_000 });
  await page.getByRole("tab", { name: "TenantEntitlement" }).click();
  await replaceEditorText(
    page,
    ".graphiql-editor-tool .graphiql-editor:not(.hidden) .monaco-editor",
    JSON.stringify({ Authorization: `Bearer ${t.keys.support}` }),
  );
  await page.getByRole("button", { name: "Variables" }).click();
  await replaceEditorText(page, ".graphiql-editor-tool .graphiql-editor:not(.hidden) .monaco-editor", JSON.stringify({ tenantId: reg.tenantId }));
  await page.locator(".graphiql-execute-button").click();
  // two operations in the tab: choose the tenant one from the run menu
  const choice = page.getByRole("menuitem", { name: "TenantEntitlement" });
  if (await choice.isVisible({ timeout: 5_000 }).catch(() => false)) await choice.click();
  await page.waitForFunction(responseIncludes, "Seat Counting Co", { timeout: 20_000 });
  const text = await page.evaluate(responseText);
  expect(text).toContain('"seats": 3');
  expect(text).toContain('"seatsUsed": 1');
  expect(text).toContain('"standing": "LICENSED"');
  expect(text).toContain('"action": "entitlement.seats_changed"');
  expect(text).toContain('"reason": "three sites"');
}, 90_000);
