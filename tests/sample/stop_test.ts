import assert from "node:assert/strict";
import { checkStop, cutAtEos, eosIds, findStop, streamableLength } from "../../lib/sample/stop.ts";

Deno.test("findStop finds the earliest stop string, also across a resume point", () => {
  assert.equal(findStop("a\nQ: b", ["Q:", "\n"]), 1);
  assert.equal(findStop("abc", ["x"]), -1);
  assert.equal(findStop("abcSTOP", ["STOP"], 5), 3);
  assert.equal(findStop("abc", ["", "c"]), 2, "an empty stop string is ignored");
});

Deno.test("checking text token by token stops at the stop string and cuts it off", () => {
  const pieces = ["The", " answer", " is", " 4", ".\n", "\nQ", ":", " next"];
  const stops = ["\n\nQ:", "###"];
  let text = "", checked = 0, result = checkStop("", stops);
  let steps = 0;
  for (const p of pieces) {
    text += p;
    steps++;
    result = checkStop(text, stops, { from: checked });
    checked = text.length;
    if (result.stopped) break;
  }
  assert.equal(steps, 7, "stops when ':' completes the stop string across three pieces");
  assert.deepEqual(result, { stopped: true, text: "The answer is 4.", matched: "\n\nQ:" });
  assert.deepEqual(checkStop("ab##", stops), { stopped: false, text: "ab##" });
  assert.deepEqual(checkStop("x END", ["END", " END"]), {
    stopped: true,
    text: "x",
    matched: " END",
  });
});

Deno.test("streaming holds back only what may still become a stop string", () => {
  const stops = ["\n\nQ:", "###"];
  assert.equal(streamableLength("Answer: 4", stops), 9);
  assert.equal(streamableLength("Answer: 4\n", stops), 9);
  assert.equal(streamableLength("Answer: 4\n\nQ", stops), 9);
  assert.equal(streamableLength("Answer: 4##", stops), 9);
  assert.equal(streamableLength("Answer: 4\nx", stops), 11);
  assert.equal(streamableLength("", stops), 0);
});

Deno.test("EOS helpers normalise ids and cut tokens at the first EOS", () => {
  assert.deepEqual(eosIds(2), [2]);
  assert.deepEqual(eosIds([2, 2, 9]), [2, 9]);
  assert.deepEqual(eosIds(undefined), []);
  assert.throws(() => eosIds([1.5]), /each must be an integer ≥ 0: current value is \[1.5\]/);
  assert.deepEqual(cutAtEos([4, 9, 5, 2], [2, 9]), { tokens: [4], ended: true });
  assert.deepEqual(cutAtEos([4, 5], [2]), { tokens: [4, 5], ended: false });
  assert.deepEqual(cutAtEos([], [2]), { tokens: [], ended: false });
});
