/**
 * The shape of the code base: tasks and notebooks use only the front doors (`lib/<layer>/mod.ts`
 * or the root `mod.ts`); within lib/, a layer imports only layers below it, only through their
 * `mod.ts`; and no two layers import each other, directly or around a circle.
 */
import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";

const ROOT = normalize(join(dirname(new URL(import.meta.url).pathname), ".."));

/**
 * The layers of lib/, bottom-up: each may import only those before it. `run` (the command line,
 * the one RNG, checkpoints) sits right above runtime: it imports only graph and runtime, and the
 * sampler and the data layer use its RNG. A new folder in lib/ must be placed here.
 */
const LAYERS = [
  "graph",
  "runtime",
  "run",
  "text",
  "model",
  "sample",
  "data",
  "verify",
  "train",
  "eval",
  "report",
  "acquire",
  "reward",
  "rl",
  "synth",
  "pipeline",
] as const;

/** Layers with a narrower allowance than "everything below": layer → what it may import. */
const ONLY: Readonly<Record<string, readonly string[]>> = Object.freeze({
  run: ["graph", "runtime"],
  // The verifiers are judged apart from everything else: of data they see only the record type;
  // of text, the leaf readers the loaders share with them (`extractBoxed`, `joinCompletion`).
  verify: ["data", "text"],
});

/** The one file `verify` may import from `data`, and only for types. */
const VERIFY_DATA_FILES = ["lib/data/record.ts", "lib/data/mod.ts"];

interface Import {
  /** The importing file, relative to the root. */
  readonly from: string;
  /** The imported file, relative to the root (local imports only). */
  readonly to: string;
  readonly typeOnly: boolean;
}

/**
 * Import and re-export specifiers of TypeScript source: statements that start a line (so the
 * examples inside JSDoc comments, which start with ` * `, are not taken) and dynamic imports.
 */
export function importSpecifiers(source: string): { spec: string; typeOnly: boolean }[] {
  const out: { spec: string; typeOnly: boolean }[] = [];
  const statement =
    /^(import|export)\b([^;"']*?)\bfrom\s*["']([^"']+)["']|^import\s*["']([^"']+)["']/gm;
  for (const m of source.matchAll(statement)) {
    const clause = m[2] ?? "";
    const names = /\{([^}]*)\}/.exec(clause)?.[1];
    const allTypeNames = names !== undefined && names.trim() !== "" &&
      names.split(",").filter((n) => n.trim()).every((n) => /^\s*type\s/.test(n));
    const typeOnly = /^\s*type\s/.test(clause) || allTypeNames;
    out.push({ spec: m[3] ?? m[4], typeOnly });
  }
  for (const m of source.matchAll(/^(?!\s*\*).*?\bimport\(\s*["']([^"']+)["']\s*\)/gm)) {
    out.push({ spec: m[1], typeOnly: false });
  }
  return out;
}

/** The code of a notebook's cells, one string per code cell. */
function notebookCode(json: string): string[] {
  const nb = JSON.parse(json);
  return (nb.cells as { cell_type: string; source: string | string[] }[])
    .filter((c) => c.cell_type === "code")
    .map((c) => Array.isArray(c.source) ? c.source.join("") : c.source);
}

async function filesUnder(dir: string, ext: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(join(ROOT, d))) {
      const p = join(d, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.name.endsWith(ext)) out.push(p);
    }
  };
  await walk(dir);
  return out.sort();
}

async function importsOf(file: string): Promise<Import[]> {
  const text = await Deno.readTextFile(join(ROOT, file));
  const sources = file.endsWith(".ipynb") ? notebookCode(text) : [text];
  return sources.flatMap((s) => importSpecifiers(s))
    .filter(({ spec }) => spec.startsWith(".") || spec.startsWith("/"))
    .map(({ spec, typeOnly }) => ({
      from: file,
      to: relative(ROOT, spec.startsWith("/") ? spec : join(ROOT, dirname(file), spec)),
      typeOnly,
    }));
}

function layerOf(file: string): string | undefined {
  const m = /^lib\/([^/]+)\//.exec(file);
  return m?.[1];
}

function isFrontDoor(file: string): boolean {
  return file === "mod.ts" || /^lib\/[^/]+\/mod\.ts$/.test(file);
}

const libFiles = await filesUnder("lib", ".ts");
const libImports = (await Promise.all(libFiles.map(importsOf))).flat();

function report(violations: string[]): string {
  return `${violations.length} violation(s):\n  ${violations.join("\n  ")}`;
}

Deno.test("tasks and notebooks import lib/ only through a mod.ts or the root mod.ts", async () => {
  const files = [
    ...await filesUnder("tasks", ".ts"),
    ...await filesUnder("notebooks", ".ipynb"),
  ];
  assert.ok(files.some((f) => f.endsWith(".ipynb")), "no notebook found");
  const violations = (await Promise.all(files.map(importsOf))).flat()
    .filter((i) => (i.to.startsWith("lib/") || i.to === "mod.ts") && !isFrontDoor(i.to))
    .map((i) => `${i.from} imports ${i.to}`);
  assert.deepEqual(violations, [], report(violations));
});

Deno.test("every folder of lib/ is a known layer with a mod.ts front door", async () => {
  const folders: string[] = [];
  for await (const e of Deno.readDir(join(ROOT, "lib"))) if (e.isDirectory) folders.push(e.name);
  const unknown = folders.filter((f) => !(LAYERS as readonly string[]).includes(f));
  assert.deepEqual(unknown, [], `place these folders in LAYERS: ${unknown}`);
  const missing = folders.filter((f) => !libFiles.includes(`lib/${f}/mod.ts`));
  assert.deepEqual(missing, [], `these layers have no mod.ts: ${missing}`);
});

Deno.test("no layer of lib/ imports a layer above it (verify sees only the record type)", () => {
  const violations: string[] = [];
  for (const i of libImports) {
    const from = layerOf(i.from), to = layerOf(i.to);
    if (!from || from === to) continue;
    if (!to) {
      violations.push(`${i.from} imports ${i.to}, outside lib/`);
      continue;
    }
    const below = ONLY[from] ?? LAYERS.slice(0, LAYERS.indexOf(from as never));
    if (!below.includes(to)) {
      violations.push(`${i.from} (${from}) imports ${i.to} (${to}), which is not below it`);
    } else if (
      from === "verify" && to === "data" && (!i.typeOnly || !VERIFY_DATA_FILES.includes(i.to))
    ) {
      violations.push(`${i.from} imports ${i.to}: verify may import only the record type`);
    }
  }
  assert.deepEqual(violations, [], report(violations));
});

Deno.test("a layer imports another layer only through its mod.ts", () => {
  const violations = libImports
    .filter((i) => {
      const from = layerOf(i.from), to = layerOf(i.to);
      if (!from || !to || from === to || isFrontDoor(i.to)) return false;
      return !(from === "verify" && i.to === "lib/data/record.ts" && i.typeOnly);
    })
    .map((i) => `${i.from} imports ${i.to}`);
  assert.deepEqual(violations, [], report(violations));
});

Deno.test("text is a leaf below model: no text file imports model, sample or data", () => {
  const violations = libImports
    .filter((i) =>
      layerOf(i.from) === "text" && ["model", "sample", "data"].includes(layerOf(i.to)!)
    )
    .map((i) => `${i.from} imports ${i.to}`);
  assert.deepEqual(violations, [], report(violations));
});

Deno.test("the layers import each other without a circle", () => {
  const edges = new Map<string, Set<string>>();
  for (const i of libImports) {
    const from = layerOf(i.from), to = layerOf(i.to);
    if (!from || !to || from === to) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from)!.add(to);
  }
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const visit = (layer: string, path: string[]) => {
    if (state.get(layer) === "done") return;
    if (state.get(layer) === "open") {
      cycles.push([...path.slice(path.indexOf(layer)), layer].join(" → "));
      return;
    }
    state.set(layer, "open");
    for (const next of edges.get(layer) ?? []) visit(next, [...path, layer]);
    state.set(layer, "done");
  };
  for (const layer of edges.keys()) visit(layer, []);
  assert.deepEqual(cycles, []);
});

Deno.test("the import reader skips JSDoc examples and reads multi-line, type-only and dynamic imports", () => {
  const src = [
    "/**",
    ' * import { x } from "./not_this.ts";',
    " */",
    "import {",
    "  a,",
    "  type B,",
    '} from "../graph/mod.ts";',
    'import type { C } from "../data/record.ts";',
    'export { d } from "./d.ts";',
    'import "./side_effect.ts";',
    'const m = await import("../model/mod.ts");',
  ].join("\n");
  assert.deepEqual(importSpecifiers(src), [
    { spec: "../graph/mod.ts", typeOnly: false },
    { spec: "../data/record.ts", typeOnly: true },
    { spec: "./d.ts", typeOnly: false },
    { spec: "./side_effect.ts", typeOnly: false },
    { spec: "../model/mod.ts", typeOnly: false },
  ]);
});
