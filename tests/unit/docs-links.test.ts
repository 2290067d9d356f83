// The documentation stands alone: every relative Markdown link in the README and docs/ (and the package
// and chart READMEs) names a file of this repository — and, with a #fragment, a heading of that file —
// and every source path it mentions in backticks (`api/src/config.ts`) exists. Pure: reads files only.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const ROOT = process.cwd();
const DOCS = [
  "README.md",
  ...readdirSync("docs")
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
  "setup-tui/README.md",
  "store-client/README.md",
  ...readdirSync("charts").map((c) => `charts/${c}/README.md`),
].filter((f) => existsSync(f));

/** Markdown without its fenced code blocks (shell examples are not references). */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```/gm, "");

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, duplicates numbered. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(text).matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const base = m[1]!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

/** The relative links of a Markdown text: [text](target) and [text](target "title"). */
export function links(text: string): string[] {
  return [...prose(text).matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

const SOURCE = /\.(ts|tsx|mts|js|mjs|cjs|json|ya?ml|md|sql|prisma|graphql|sh|toml|txt|tpl)$/;

/** Repository paths in backticks: at least one folder, a known extension, no placeholder. */
export function pathMentions(text: string): string[] {
  return [...prose(text).matchAll(/`([^`\s]+)`/g)]
    .map((m) => m[1]!.replace(/[.,;:]$/, ""))
    .filter(
      (p) =>
        p.includes("/") &&
        SOURCE.test(p) &&
        !/[<>*…${}|]/.test(p) &&
        !p.startsWith("/") &&
        !p.startsWith("~") &&
        !/^[a-z]+:\/\//.test(p) &&
        !p.startsWith("@") &&
        !/^[A-Z][A-Z0-9_]*\//.test(p),
    );
}

const exists = (p: string) => existsSync(path.join(ROOT, p));

describe("the parsers", () => {
  it("find links, anchors and paths the way GitHub renders them", () => {
    const md =
      "# Pool sizing against max_connections\n## Deploying: charts and images\n## Deploying: charts and images\n" +
      'see [a](docs/API.md), [b](#x "t"), [c](https://e.test), `api/src/config.ts`, `DATA_DIR/iso/<ISO_KEY>`, `DATA_DIR/signing-keys.json`, `/etc/x.yaml`, `npm start`\n' +
      "```sh\n[not](a/link.md) `not/a/path.ts`\n```\n";
    expect(links(md)).toEqual(["docs/API.md", "#x"]);
    expect([...anchors(md)]).toEqual(["pool-sizing-against-max_connections", "deploying-charts-and-images", "deploying-charts-and-images-1"]);
    expect(pathMentions(md)).toEqual(["api/src/config.ts"]);
  });
});

describe.each(DOCS)("%s", (doc) => {
  const text = readFileSync(doc, "utf8");
  const dir = path.dirname(doc);

  it("links only to files and headings that exist", () => {
    const broken: string[] = [];
    for (const link of links(text)) {
      const [target, fragment] = link.split("#") as [string, string | undefined];
      const file = target ? path.normalize(path.join(dir, decodeURIComponent(target))) : doc;
      if (file.startsWith("..") || path.isAbsolute(file)) broken.push(`${link} (outside the repository)`);
      else if (!exists(file)) broken.push(`${link} (no such file)`);
      else if (fragment && statSync(file).isFile() && file.endsWith(".md") && !anchors(readFileSync(file, "utf8")).has(fragment))
        broken.push(`${link} (no such heading)`);
    }
    expect(broken).toEqual([]);
  });

  it("mentions only source paths that exist (from the repository root or from its own folder)", () => {
    const missing = pathMentions(text).filter((p) => !exists(p) && !exists(path.join(dir, p)));
    expect(missing).toEqual([]);
  });
});

it("covers the README and every page of docs/", () => {
  expect(DOCS).toEqual(
    expect.arrayContaining(["README.md", "docs/API.md", "docs/OPERATIONS.md", "docs/ARCHITECTURE.md", "docs/LICENSE-FORMAT.md", "setup-tui/README.md"]),
  );
});
