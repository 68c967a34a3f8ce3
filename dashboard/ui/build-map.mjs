// build-map.mjs projects Natural Earth country shapes (world-atlas, 1:110m)
// with d3-geo's Natural Earth projection and writes SVG path data keyed by
// ISO 3166-1 alpha-2 code, so the dashboard draws the map server-side and
// needs no map library in the browser.
//
// Usage: node build-map.mjs OUT.json
import { readFileSync, writeFileSync } from "node:fs";
import { feature } from "topojson-client";
import { geoNaturalEarth1, geoPath } from "d3-geo";

const width = 960, height = 500;
const topo = JSON.parse(readFileSync("node_modules/world-atlas/countries-110m.json", "utf8"));
const codes = JSON.parse(readFileSync("node_modules/i18n-iso-countries/codes.json", "utf8"));
const alpha2 = new Map(codes.map(([a2, , num]) => [num, a2]));
// Shapes without an ISO numeric code in Natural Earth.
const byName = new Map([["Kosovo", "XK"], ["N. Cyprus", "CY"], ["Somaliland", "SO"]]);

const world = feature(topo, topo.objects.countries);
world.features = world.features.filter((f) => f.properties.name !== "Antarctica");
const projection = geoNaturalEarth1().fitSize([width, height], world);
const path = geoPath(projection).digits(1);

const shapes = new Map();
for (const f of world.features) {
  const cc = alpha2.get(f.id) ?? byName.get(f.properties.name);
  if (!cc) throw new Error(`no ISO code for ${f.properties.name} (${f.id})`);
  const d = path(f);
  if (!d) continue;
  shapes.set(cc, (shapes.get(cc) ?? "") + d);
}
const out = {
  source: "world-atlas 2.0.2 countries-110m (Natural Earth), d3-geo geoNaturalEarth1",
  width, height,
  scale: projection.scale(),
  translate: projection.translate(),
  countries: [...shapes].sort(([a], [b]) => a.localeCompare(b)).map(([cc, d]) => ({ cc, d })),
};
writeFileSync(process.argv[2], JSON.stringify(out));
console.log(`wrote ${out.countries.length} countries to ${process.argv[2]}`);
