/* Small fixes that let the book's pages run offline with no console errors.
 * Loaded on every page, in <head>, before the theme's deferred scripts and MathJax.
 */

/* pydata-sphinx-theme ships Font Awesome's JS, which replaces every <i class="fa ..."> with an
 * <svg>. ipywidgets' Play widget keeps references to its <i> icons and then fails
 * ("TypeError ... updatePlaying"). Icons still draw from the theme's web fonts without it. */
window.FontAwesomeConfig = Object.assign(window.FontAwesomeConfig || {}, { autoReplaceSvg: false });

/* ipywidgets typesets widget labels with the MathJax 2 API (MathJax.Hub.Queue); Sphinx loads
 * MathJax 3, which has no Hub. Whenever a MathJax 3 global is installed, give it a tiny Hub that
 * forwards "Typeset" requests to MathJax 3's typesetPromise. */
(function () {
  function addHub(mj) {
    if (!mj || typeof mj !== "object" || !mj.version || mj.Hub) return mj;
    mj.Hub = {
      Queue: function () {
        Array.prototype.forEach.call(arguments, function (job) {
          if (!Array.isArray(job) || job[0] !== "Typeset") return;
          var element = job[2];
          var ready = mj.startup && mj.startup.promise ? mj.startup.promise : Promise.resolve();
          ready.then(function () {
            if (mj.typesetPromise) return mj.typesetPromise(element ? [element] : undefined);
          }).catch(function (err) { console.warn("MathJax typeset failed", err); });
        });
      },
    };
    return mj;
  }
  var current = window.MathJax;
  try {
    Object.defineProperty(window, "MathJax", {
      configurable: true,
      enumerable: true,
      get: function () { return current; },
      set: function (value) { current = addHub(value); },
    });
  } catch (err) {
    /* Someone made MathJax non-configurable: leave it alone. */
  }
  addHub(current);
})();

/* Previous / next buttons for raft.player.FramePlayer in the HTML book. ipywidgets has no button
 * that works without a kernel, so once a player has rendered, add two buttons that step its
 * frame-number box (a BoundedIntText linked in the browser to the slider and the frames), exactly
 * as its own up/down arrows do. In Jupyter the box's arrows and the slider's arrow keys remain. */
(function () {
  function addStepButtons(player) {
    if (player.querySelector(".raft-step-buttons")) return;
    var input = player.querySelector(".widget-text input");
    var play = player.querySelector(".widget-play");
    if (!input || !play) return;  // not rendered yet
    var group = document.createElement("div");
    group.className = "raft-step-buttons";
    [["fa-step-backward", -1, "Previous frame"], ["fa-step-forward", 1, "Next frame"]].forEach(
      function (spec) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "jupyter-button raft-step raft-step-" + (spec[1] < 0 ? "prev" : "next");
        button.title = spec[2];
        button.setAttribute("aria-label", spec[2]);
        button.innerHTML = '<i class="fa ' + spec[0] + '" aria-hidden="true"></i>';
        button.addEventListener("click", function () {
          if (spec[1] < 0) input.stepDown(); else input.stepUp();
          input.dispatchEvent(new Event("change", { bubbles: true }));
        });
        group.appendChild(button);
      }
    );
    play.insertAdjacentElement("afterend", group);
  }
  function scan() {
    document.querySelectorAll(".raft-frameplayer").forEach(addStepButtons);
  }
  function start() {
    scan();
    new MutationObserver(scan).observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
