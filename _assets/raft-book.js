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
