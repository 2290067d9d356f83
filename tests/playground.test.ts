// The support playground in a real headless Chromium: load the page (assets from the API itself, no
// CDN), paste an API key as a header, find a tenant by email, and read its codes and appliances.
import http from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
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
const responseIncludes = (needle: string) => (document.querySelector(".graphiql-response")?.textContent ?? "").replace(/\u00a0/g, " ").includes(needle);

async function replaceEditorText(page: import("playwright-core").Page, selector: string, text: string) {
  await page.locator(selector).click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text); // insertText: no auto-closed brackets from the editor
}

it("a support engineer pastes a key, finds a tenant by email and sees its code states and appliances", async () => {
  const reg = (
    await t.gql(REGISTER, { input: { companyName: "Playground Widgets", contactEmail: "owner@widgets.test", edition: "PRO" } }, { token: t.keys.store })
  ).data.registerTenant;
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

  await replaceEditorText(
    page,
    ".graphiql-editor-tool .graphiql-editor:not(.hidden) .monaco-editor",
    JSON.stringify({ Authorization: `Bearer ${t.keys.support}` }),
  );
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
    await page.waitForFunction(() => document.querySelectorAll(".graphiql-tab").length === 4, undefined, { timeout: 20_000 });

    await replaceEditorText(page, ".graphiql-editor-tool .graphiql-editor:not(.hidden) .monaco-editor", JSON.stringify({ Authorization: bearer }));
    // the schema is fetched again, with the key (the first, anonymous attempt was refused)
    expect(await eventually(async () => introspections.some((i) => i.authorization === bearer && i.hasSchema), Boolean, 20_000)).toBe(true);
    expect(introspections.filter((i) => i.authorization !== bearer).every((i) => !i.hasSchema)).toBe(true);

    for (const [tab, operation] of [
      [1, "TenantEntitlement"],
      [2, "GrantEntitlement"],
      [3, "OfflineAppliances"],
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
}, 180_000);

it("headers are kept across a reload only once Persist headers is turned on", async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1600 } });
  try {
    const bearer = `Bearer ${t.keys.support}`;
    const headerText = () =>
      (document.querySelector(".graphiql-editor-tool .graphiql-editor:not(.hidden) .monaco-editor")?.textContent ?? "").replace(/\u00a0/g, " ");
    await page.goto(`${t.url}/playground/`);
    await page.waitForSelector(".graphiql-container .graphiql-query-editor .monaco-editor", { timeout: 30_000 });
    await replaceEditorText(page, ".graphiql-editor-tool .graphiql-editor:not(.hidden) .monaco-editor", JSON.stringify({ Authorization: bearer }));
    // off by default: a reload forgets the key
    await page.reload();
    await page.waitForSelector(".graphiql-container .graphiql-query-editor .monaco-editor", { timeout: 30_000 });
    expect(await page.evaluate(headerText)).not.toContain("alk_");

    await replaceEditorText(page, ".graphiql-editor-tool .graphiql-editor:not(.hidden) .monaco-editor", JSON.stringify({ Authorization: bearer }));
    await page.getByRole("button", { name: "Open settings dialog" }).click();
    await page.locator("#enable-persist-headers").click();
    await page.keyboard.press("Escape");
    expect(
      await eventually(
        () => page.evaluate(() => JSON.stringify(window.localStorage)),
        (v) => v.includes("alk_"),
      ),
    ).toContain("alk_");
    await page.reload();
    await page.waitForSelector(".graphiql-container .graphiql-query-editor .monaco-editor", { timeout: 30_000 });
    expect(
      await eventually(
        () => page.evaluate(headerText),
        (v) => v.includes("alk_"),
      ),
    ).toContain(t.keys.support.slice(0, 20));
  } finally {
    await page.close();
  }
}, 180_000);

/** A GET without fetch's own decompression: the bytes and headers as sent. */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on("error", reject);
  });
}

it("serves its assets brotli- or gzip-compressed by Accept-Encoding, and identity otherwise", async () => {
  const index = await (await fetch(`${t.url}/playground/`)).text();
  const script = /<script[^>]+src="\.\/([^"]+\.js)"/.exec(index)![1]!;
  const url = `${t.url}/playground/${script}`;
  const plain = await rawGet(url, { "accept-encoding": "identity" });
  expect(plain.status).toBe(200);
  expect(plain.headers["content-encoding"]).toBeUndefined();
  expect(plain.headers.vary).toMatch(/accept-encoding/i);

  const br = await rawGet(url, { "accept-encoding": "gzip, deflate, br" });
  expect(br.headers["content-encoding"]).toBe("br");
  expect(br.headers["content-type"]).toMatch(/^(application|text)\/javascript/);
  expect(br.headers.vary).toMatch(/accept-encoding/i);
  expect(br.body.length).toBeLessThan(plain.body.length / 2);
  expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);

  const gz = await rawGet(url, { "accept-encoding": "gzip" });
  expect(gz.headers["content-encoding"]).toBe("gzip");
  expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
  // a refused encoding is not sent; no header at all means any (RFC 9110), but identity is always fine
  expect((await rawGet(url, { "accept-encoding": "br;q=0, gzip" })).headers["content-encoding"]).toBe("gzip");
  expect((await rawGet(url, { "accept-encoding": "deflate" })).headers["content-encoding"]).toBeUndefined();

  const css = /<link[^>]+href="\.\/([^"]+\.css)"/.exec(index)![1]!;
  const style = await rawGet(`${t.url}/playground/${css}`, { "accept-encoding": "br" });
  expect(style.headers["content-encoding"]).toBe("br");
  expect(style.headers["content-type"]).toMatch(/^text\/css/);
});

it("serves /favicon.ico (linked from the playground), also with the playground off", async () => {
  const icon = await rawGet(`${t.url}/favicon.ico`);
  expect(icon.status).toBe(200);
  expect(icon.headers["content-type"]).toBe("image/x-icon");
  expect(icon.body.subarray(0, 4).equals(Buffer.from([0, 0, 1, 0]))).toBe(true);
  expect((await rawGet(`${t.url}/favicon.ico`, { "if-none-match": String(icon.headers.etag) })).status).toBe(304);
  expect(await (await fetch(`${t.url}/playground/`)).text()).toContain('rel="icon" href="../favicon.ico"');
});

it("is not served when PLAYGROUND_ENABLED=false", async () => {
  const off = await startTestPlane({ PLAYGROUND_ENABLED: "false" });
  try {
    expect((await fetch(`${off.url}/playground/`)).status).toBe(404);
    expect((await fetch(`${off.url}/favicon.ico`)).status).toBe(200);
  } finally {
    await off.stop();
  }
});
