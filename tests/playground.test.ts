// The support playground in a real headless Chromium: load the page (assets from the API itself, no
// CDN), paste an API key as a header, find a tenant by email, and read its codes and appliances.
import type { Browser } from "playwright-core";
import { launchChromium } from "./helpers/browser.js";
import { REDEEM, REGISTER, startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { eventually } from "./helpers/eventually.js";

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

// the response pane is a Monaco editor: it renders spaces as U+00A0
const responseText = () => (document.querySelector(".graphiql-response")?.textContent ?? "").replace(/\u00a0/g, " ");
const responseIncludes = (needle: string) =>
  (document.querySelector(".graphiql-response")?.textContent ?? "").replace(/\u00a0/g, " ").includes(needle);

async function replaceEditorText(page: import("playwright-core").Page, selector: string, text: string) {
  await page.locator(selector).click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text); // insertText: no auto-closed brackets from the editor
}

it("a support engineer pastes a key, finds a tenant by email and sees its code states and appliances", async () => {
  const reg = (await t.gql(REGISTER, { input: { companyName: "Playground Widgets", contactEmail: "owner@widgets.test", edition: "PRO" } }, { token: t.keys.store })).data.registerTenant;
  await t.gql(REDEEM, { input: { installCode: reg.installCode, applianceId: "widget-box-1" } });
  await t.gql(REGISTER, { input: { companyName: "Someone Else", contactEmail: "else@other.test", edition: "ESSENTIALS" } }, { token: t.keys.store });

  const page = await browser.newPage({ viewport: { width: 1400, height: 1600 } });
  const external: string[] = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(t.url) && !r.url().startsWith("blob:") && !r.url().startsWith("data:")) external.push(r.url());
  });
  await page.goto(`${t.url}/playground`);
  await page.waitForSelector(".graphiql-container .graphiql-query-editor .monaco-editor", { timeout: 30_000 });

  // without a key the API answers UNAUTHENTICATED inside the playground
  await page.locator(".graphiql-execute-button").click();
  await page.waitForFunction(responseIncludes, "UNAUTHENTICATED", { timeout: 20_000 });

  await replaceEditorText(page, ".graphiql-editor-tool .graphiql-editor:not(.hidden) .monaco-editor", JSON.stringify({ Authorization: `Bearer ${t.keys.support}` }));
  await page.getByRole("button", { name: "Variables" }).click();
  await replaceEditorText(page, ".graphiql-editor-tool .graphiql-editor:not(.hidden) .monaco-editor", JSON.stringify({ search: "owner@widgets.test" }));
  await page.locator(".graphiql-execute-button").click();
  await page.waitForFunction(responseIncludes, "Playground Widgets", { timeout: 20_000 });
  const text = await page.evaluate(responseText);
  expect(text).toContain('"totalCount": 1');
  expect(text).toContain('"state": "CONSUMED"');
  expect(text).toContain('"consumedByApplianceId": "widget-box-1"');
  expect(text).toContain('"applianceId": "widget-box-1"');
  expect(text).not.toContain("Someone Else");
  expect(text).not.toContain(reg.installCode);
  await page.screenshot({ path: `${t.dataDir}/playground.png` });
  expect(external).toEqual([]); // air-gapped: every asset came from the API
});

it("a key pasted once is sent from every prepared tab; with INTROSPECTION=authenticated the schema is fetched with it", async () => {
  const locked = await startTestPlane({ INTROSPECTION: "authenticated" });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1600 } });
  try {
    const bearer = `Bearer ${locked.keys.support}`;
    const introspections: { authorization?: string; status: number; hasSchema: boolean }[] = [];
    page.on("response", async (r) => {
      if (!r.url().endsWith("/graphql") || !(r.request().postData() ?? "").includes("__schema")) return;
      const body = (await r.json().catch(() => ({}))) as { data?: { __schema?: unknown } };
      introspections.push({ authorization: r.request().headers().authorization, status: r.status(), hasSchema: Boolean(body.data?.__schema) });
    });
    await page.goto(`${locked.url}/playground/`);
    await page.waitForSelector(".graphiql-container .graphiql-query-editor .monaco-editor", { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelectorAll(".graphiql-tab").length === 3, undefined, { timeout: 20_000 });

    await replaceEditorText(page, ".graphiql-editor-tool .graphiql-editor:not(.hidden) .monaco-editor", JSON.stringify({ Authorization: bearer }));
    // the schema is fetched again, with the key (the first, anonymous attempt was refused)
    expect(await eventually(async () => introspections.some((i) => i.authorization === bearer && i.hasSchema), Boolean, 20_000)).toBe(true);
    expect(introspections.filter((i) => i.authorization !== bearer).every((i) => !i.hasSchema)).toBe(true);

    for (const [tab, operation] of [
      [1, "TenantEntitlement"],
      [2, "GrantEntitlement"],
      [0, "FindTenants"],
    ] as const) {
      await page.locator(".graphiql-tab").nth(tab).locator(".graphiql-tab-button").click();
      const sent = page.waitForRequest((r) => r.url().endsWith("/graphql") && (r.postData() ?? "").includes(operation), { timeout: 20_000 });
      await page.locator(".graphiql-execute-button").click();
      // a tab with several operations asks which one to run
      if (tab !== 0) await page.getByRole("menuitem", { name: operation }).click({ timeout: 5_000 });
      expect((await sent).headers().authorization).toBe(bearer);
    }
  } finally {
    await page.close();
    await locked.stop();
  }
});

it("is not served when PLAYGROUND_ENABLED=false", async () => {
  const off = await startTestPlane({ PLAYGROUND_ENABLED: "false" });
  try {
    expect((await fetch(`${off.url}/playground/`)).status).toBe(404);
  } finally {
    await off.stop();
  }
});
