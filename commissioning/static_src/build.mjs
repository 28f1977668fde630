// Builds commissioning/static/build/ from GOV.UK Frontend (npm) and our own Sass and JS.
//
// Everything the pages load is served from our own static files: no fonts, scripts or
// images from the internet (a Content Security Policy comes later). We leave out the
// crown and the GDS Transport font, which only GOV.UK itself may use.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const out = join(root, "commissioning", "static", "build");

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "assets", "images"), { recursive: true });

const css = sass.compile(join(here, "app.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  sourceMap: false,
  // GOV.UK Frontend 5 still uses @import; its warnings are not ours to fix.
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin", "color-functions", "slash-div"],
});
writeFileSync(join(out, "app.css"), css.css);

copyFileSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
copyFileSync(join(here, "app.js"), join(out, "app.js"));
// Only the favicon; the crest, crown and GOV.UK icons are not ours to use.
copyFileSync(join(here, "favicon.svg"), join(out, "assets", "images", "favicon.svg"));

console.log(`Built ${out} (GOV.UK Frontend ${JSON.parse(
  (await import("node:fs")).readFileSync(join(root, "node_modules", "govuk-frontend", "package.json"), "utf8"),
).version})`);
