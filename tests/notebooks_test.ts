/**
 * Runs every notebook in notebooks/ headless (jupyter nbconvert --execute with the Deno kernel),
 * failing on any cell error. Skips with a message where Jupyter or the Deno kernel is missing
 * (.ci/run installs both).
 */
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url).pathname;

async function has(cmd: string[]): Promise<boolean> {
  try {
    const r = await new Deno.Command(cmd[0], { args: cmd.slice(1), stdout: "null", stderr: "null" })
      .output();
    return r.success;
  } catch {
    return false;
  }
}

const jupyter = await has(["jupyter", "nbconvert", "--version"]);
const kernel = await Deno.stat(
  `${Deno.env.get("HOME")}/.local/share/jupyter/kernels/deno/kernel.json`,
).then(() => true, () => false);
if (!jupyter || !kernel) {
  console.warn(
    `skipping notebook tests: ${
      !jupyter ? "jupyter nbconvert" : "the Deno Jupyter kernel (deno jupyter --install)"
    } is not installed`,
  );
}
/**
 * What each plotting notebook shows: plots inline, and figures in the HTML report it writes (the
 * report's path is printed as `report: PATH`). A notebook not named here plots nothing.
 */
const PLOTS: Readonly<Record<string, { inline: number; report: number }>> = Object.freeze({
  // Inline: score distributions, agreement between functions, the map of questions and the five
  // reference rewards' audit scatters; the report adds the distribution of gains.
  "acquisition.ipynb": { inline: 8, report: 9 },
  // The accuracy matrix and the forgetting bars.
  "forgetting.ipynb": { inline: 2, report: 2 },
});

const notebooks = [...Deno.readDirSync(`${root}notebooks`)].filter((e) => e.name.endsWith(".ipynb"))
  .map((e) => e.name).sort();

for (const name of notebooks) {
  Deno.test({
    name: `notebook ${name} runs headless without errors`,
    ignore: !jupyter || !kernel,
    fn: async () => {
      const out = await Deno.makeTempFile({ suffix: ".ipynb" });
      const r = await new Deno.Command("jupyter", {
        args: [
          "nbconvert",
          "--to",
          "notebook",
          "--execute",
          "--ExecutePreprocessor.timeout=600",
          name,
          "--output",
          out,
        ],
        cwd: `${root}notebooks`,
        // The notebooks' short versions: fewer candidates, items and steps, the same code.
        env: { ACQSYNTH_NOTEBOOK_QUICK: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(r.success, new TextDecoder().decode(r.stderr).slice(-3000));
      const nb = JSON.parse(await Deno.readTextFile(out));
      const errors = nb.cells.flatMap((
        c: { outputs?: { output_type: string; ename?: string }[] },
      ) => c.outputs ?? [])
        .filter((o: { output_type: string }) => o.output_type === "error");
      assert.deepEqual(errors, []);
      // Printed lines, and text the notebook shows with an awaited display call (`showText`).
      type Output = { text?: string[]; data?: Record<string, unknown> };
      const printed = nb.cells.flatMap((c: { outputs?: Output[] }) => c.outputs ?? [])
        .flatMap((o: Output) => [o.text ?? [], o.data?.["text/plain"] ?? []].flat()).join("\n");
      assert.ok(printed.length > 0, "the notebook printed something");
      // Plots shown inline: a plotly figure with traces, and its table as the HTML fallback. The
      // notebooks publish each plot with an awaited display call (`showFigure`), so every one
      // arrives before its cell ends.
      const { inline = 0, report: figures = 0 } = PLOTS[name] ?? {};
      const plots = nb.cells.flatMap((c: { outputs?: { data?: Record<string, unknown> }[] }) =>
        c.outputs ?? []
      ).map((o: { data?: Record<string, unknown> }) => o.data ?? {})
        .filter((d: Record<string, unknown>) => "application/vnd.plotly.v1+json" in d);
      assert.equal(plots.length, inline, `${name} shows ${plots.length} of ${inline} plots inline`);
      for (const d of plots) {
        const spec = d["application/vnd.plotly.v1+json"] as { data: unknown[] };
        assert.ok(spec.data.length > 0);
        assert.match(String(d["text/html"]), /<table>/);
      }
      if (figures > 0) {
        const report = /report: (\S+\/report\.html)/.exec(printed)?.[1];
        assert.ok(report, `${name} printed its report's path`);
        const html = await Deno.readTextFile(report);
        assert.equal(html.match(/<div class="figure" id="plot-\d+"><\/div>/g)?.length, figures);
        await Deno.remove(report.replace(/\/report\.html$/, ""), { recursive: true });
      }
      await Deno.remove(out);
    },
  });
}
