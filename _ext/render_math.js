/* Typeset the book's TeX at build time with MathJax (the mathjax-full package from npm), so that
 * pages carry finished math and load no MathJax script (about 0.8 MB a page).
 *
 * Input (stdin): {"items": [{"tex": "...", "display": true|false}, ...], "fontURL": "..."}
 * Output (stdout): {"html": ["<mjx-container ...>", ...], "css": "..."}: one rendering per item,
 * in order, with the hidden MathML that screen readers read (assistive-mml), and one stylesheet
 * covering every character used. Called by _ext/raft_math.py.
 */
"use strict";
const { mathjax } = require("mathjax-full/js/mathjax.js");
const { TeX } = require("mathjax-full/js/input/tex.js");
const { CHTML } = require("mathjax-full/js/output/chtml.js");
const { liteAdaptor } = require("mathjax-full/js/adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = require("mathjax-full/js/handlers/html.js");
const { AssistiveMmlHandler } = require("mathjax-full/js/a11y/assistive-mml.js");
// The packages of MathJax's own "tex" component (what the book used in the browser before).
require("mathjax-full/js/input/tex/base/BaseConfiguration.js");
require("mathjax-full/js/input/tex/ams/AmsConfiguration.js");
require("mathjax-full/js/input/tex/newcommand/NewcommandConfiguration.js");
require("mathjax-full/js/input/tex/noundefined/NoUndefinedConfiguration.js");
require("mathjax-full/js/input/tex/configmacros/ConfigMacrosConfiguration.js");
const PACKAGES = ["base", "ams", "newcommand", "noundefined", "configmacros"];

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const request = JSON.parse(input);
  const adaptor = liteAdaptor();
  AssistiveMmlHandler(RegisterHTMLHandler(adaptor));
  const tex = new TeX({ packages: PACKAGES });
  const chtml = new CHTML({ fontURL: request.fontURL });
  const doc = mathjax.document("", { InputJax: tex, OutputJax: chtml });
  const errors = [];
  const html = request.items.map((item, k) => {
    const node = doc.convert(item.tex, { display: item.display });
    const out = adaptor.outerHTML(node);
    if (out.includes("data-mjx-error") || out.includes("merror")) errors.push([k, item.tex]);
    return out;
  });
  const css = adaptor.textContent(chtml.styleSheet(doc));
  process.stdout.write(JSON.stringify({ html, css, errors }));
});
