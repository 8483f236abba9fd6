/** HTML reports as files: escaping, figure tables, ids, plotly.js beside the report, atomic writes. */
import assert from "node:assert/strict";
import { FIGURES, renderReport, writeReport } from "../../lib/report/mod.ts";

const HOSTILE = `</script><script>alert("x")</script> & <b>bold</b>`;

Deno.test("renderReport writes every piece of text as text, in headings, paragraphs, tables and the figure data", () => {
  const html = renderReport(HOSTILE, [{
    title: HOSTILE,
    text: `first ${HOSTILE}\n\nsecond paragraph`,
    figures: [
      FIGURES.bars({
        id: "b",
        title: HOSTILE,
        categories: [HOSTILE],
        series: [{ name: HOSTILE, values: [1] }],
      }),
    ],
    tables: [{ id: "t", title: HOSTILE, columns: [HOSTILE], rows: [[HOSTILE]] }],
  }]);
  // The only script elements are the page's own three: plotly.min.js, the JSON block and the drawing code.
  assert.equal(html.match(/<script/g)!.length, 3);
  assert.ok(!html.includes("<b>bold</b>"));
  assert.ok(
    html.includes(
      "&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;",
    ),
  );
  assert.match(html, /<p>first &lt;\/script&gt;.*<\/p>\n<p>second paragraph<\/p>/);
  // Inside the JSON block the text survives exactly once parsed back.
  const json = /<script type="application\/json" id="figures-json">(.*?)<\/script>/s.exec(html)![1];
  const [figure] = JSON.parse(json);
  assert.equal(figure.data[0].name, HOSTILE);
  assert.deepEqual(figure.data[0].x, [HOSTILE]);
});

Deno.test("renderReport puts each figure's numbers in a table under it and writes non-finite numbers as null", () => {
  const html = renderReport("r", [{
    title: "s",
    figures: [
      FIGURES.line({
        id: "l",
        title: "loss",
        series: [{ name: "a", x: [1, 2], y: [0.5, Infinity] }],
      }),
    ],
  }]);
  assert.match(
    html,
    /<div class="figure" id="plot-0"><\/div>\n<details id="l-table" open><summary>loss \(2 rows\)<\/summary>/,
  );
  assert.match(html, /<tr><td>a<\/td><td class="n">1<\/td><td class="n">0.5<\/td><\/tr>/);
  assert.match(html, /<td class="n">Infinity<\/td>/);
  assert.match(html, /"y":\[0\.5,null\]/);
});

Deno.test("renderReport refuses two figures or tables with one id, naming the section and the id", () => {
  const f = FIGURES.line({ id: "same", title: "a", series: [] });
  assert.throws(
    () =>
      renderReport("r", [{ title: "one", figures: [f] }, {
        title: "two",
        tables: [{ id: "same", title: "t", columns: [], rows: [] }],
      }]),
    /section 1 \('two'\) repeats or lacks one: current value is 'same'/,
  );
});

Deno.test("writeReport creates the folder, copies plotly.js from the npm package and leaves no temporary file", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dir = `${root}/a/b/`;
    const sections = [{
      title: "s",
      figures: [FIGURES.line({ id: "l", title: "l", series: [{ name: "a", x: [1], y: [1] }] })],
    }];
    const path = await writeReport(dir, "first", sections);
    assert.equal(path, `${root}/a/b/report.html`);
    const plotly = await Deno.readTextFile(`${root}/a/b/plotly.min.js`);
    assert.match(plotly.slice(0, 200), /plotly\.js v4\.1\.2/);
    // Written again over the old one: the new text replaces it.
    await writeReport(dir, "second", sections);
    assert.match(await Deno.readTextFile(path), /<title>second<\/title>/);
    const names = [...Deno.readDirSync(`${root}/a/b`)].map((e) => e.name).sort();
    assert.deepEqual(names, ["plotly.min.js", "report.html"]);
    // A bad report writes nothing.
    await assert.rejects(
      writeReport(`${root}/c`, "x", [{
        title: "s",
        tables: [{ id: "", title: "t", columns: [], rows: [] }],
      }]),
    );
    assert.equal(await Deno.stat(`${root}/c`).then(() => true, () => false), false);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
