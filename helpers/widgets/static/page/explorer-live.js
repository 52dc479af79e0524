// Live mode for the explorers of a book page: on the reader's request, Python runs
// in a Web Worker (explorer-worker.js, with the site's own Pyodide) and draws any
// value of a slider with the explorer's own code. Until then, and wherever it cannot
// run, each explorer shows its precomputed frames (explorer.js, which this script
// takes over through root.nnfbView once the worker is ready).
//
// The book build adds this script to pages with an explorer (_ext/explorer_live.py),
// with two attributes: data-pyodide, the site's Pyodide folder relative to this
// script, and data-megabytes, what starting the worker downloads.
(function () {
  "use strict";
  var script = document.currentScript;
  var megabytes = script.dataset.megabytes;
  var worker = null; // one per page, started by the first click
  var ready = false;
  var explorers = {}; // id -> the state of an explorer that asked for live mode
  var LIVE = "Live: every value is computed in your browser as you move a slider.";

  // Why live mode cannot run here, in one sentence; "" when it can.
  function unavailable() {
    var frames = "so the sliders show the frames computed when the book was built.";
    if (location.protocol === "file:") {
      return "Live mode needs the book served over http (a page opened as a file " +
        "cannot start it), " + frames;
    }
    if (typeof WebAssembly !== "object") return "This browser has no WebAssembly, " + frames;
    if (typeof Worker !== "function") return "This browser cannot run Web Workers, " + frames;
    if (!megabytes) {
      return "This copy of the book was built without its in-browser Python, " + frames;
    }
    return "";
  }

  function startWorker() {
    try {
      worker = new Worker(new URL("explorer-worker.js", script.src));
    } catch (error) {
      fail("Live mode could not start (" + error.message + ")");
      return;
    }
    worker.onmessage = function (event) {
      var message = event.data;
      if (message.type === "ready") {
        ready = true;
        Object.keys(explorers).forEach(function (id) {
          explorers[id].root.dispatchEvent(new CustomEvent("nnfb-live-ready", {
            detail: message.seconds,
          }));
          goLive(explorers[id]);
        });
      } else if (message.type === "failed") {
        fail("Live mode could not start (" + message.message + ")");
      } else {
        shown(explorers[message.id], message);
      }
    };
    worker.onerror = function (event) {
      event.preventDefault();
      fail("Live mode could not start (" + (event.message || "the worker failed") + ")");
    };
    worker.postMessage({
      type: "start",
      pyodide: new URL(script.dataset.pyodide, script.src).href,
    });
  }

  function fail(why) {
    if (worker) worker.terminate();
    worker = null;
    Object.keys(explorers).forEach(function (id) {
      var state = explorers[id];
      if (state.live) goStatic(state);
      say(state, why + ", so the sliders show the precomputed frames.");
      state.button.hidden = true;
    });
  }

  // A change of mode, shown under the button and told to screen readers.
  function say(state, sentence) {
    state.note.textContent = sentence;
    state.announce.textContent = sentence;
  }

  // The reader asked: start the worker (once per page), keep the frames meanwhile.
  function request(state) {
    explorers[state.root.id] = state;
    state.button.setAttribute("aria-disabled", "true");
    say(state, "Starting Python in your browser; meanwhile the sliders show the " +
      "precomputed frames.");
    if (ready) goLive(state);
    else if (!worker) startWorker();
  }

  // Each slider steps through its live values; every new value is drawn by the worker.
  function goLive(state) {
    if (state.live) return;
    var view = state.root.nnfbView;
    var labels = view.labels.slice();
    state.inputs.forEach(function (el, k) {
      var grid = view.data.live[k];
      if (!grid) return;
      var value = grid.at[Number(el.value)];
      labels[k] = grid.labels;
      el.max = String(grid.labels.length - 1);
      el.value = String(value);
    });
    view.labels = labels;
    state.staticDraw = view.draw;
    view.draw = function (key) {
      state.latest = key;
      send(state);
    };
    state.live = true;
    var focused = document.activeElement === state.button;
    state.button.hidden = true;
    state.note.textContent = LIVE;
    if (focused) state.inputs[0].focus();
    view.update();
  }

  // Back to the precomputed frames, each slider at the static value nearest its own.
  function goStatic(state) {
    var view = state.root.nnfbView;
    state.inputs.forEach(function (el, k) {
      var grid = view.data.live[k];
      if (!grid) return;
      var at = Number(el.value), nearest = 0;
      grid.at.forEach(function (index, j) {
        if (Math.abs(index - at) < Math.abs(grid.at[nearest] - at)) nearest = j;
      });
      el.max = String(grid.at.length - 1);
      el.value = String(nearest);
    });
    view.labels = view.data.labels;
    view.draw = state.staticDraw;
    state.live = false;
    view.update();
  }

  // At most one frame in flight per explorer: a value that arrives meanwhile waits,
  // and a newer one replaces it, so only the latest value is drawn.
  function send(state) {
    if (!worker || state.busy || state.latest === state.drawn) return;
    state.busy = true;
    state.drawn = state.latest;
    state.started = performance.now();
    worker.postMessage({ type: "draw", id: state.root.id, name: state.name, key: state.latest });
  }

  function shown(state, reply) {
    state.busy = false;
    if (reply.error) {
      state.note.textContent = "This value could not be drawn (" + reply.error + ").";
    } else {
      state.note.textContent = LIVE;
      state.img.src = reply.src;
      state.img.alt = reply.alt;
      state.announce.textContent = reply.said;
      state.root.dataset.liveKey = reply.key;
      state.root.dispatchEvent(new CustomEvent("nnfb-live-frame", {
        detail: { key: reply.key, ms: performance.now() - state.started },
      }));
    }
    send(state);
  }

  function setUp(root) {
    var state = {
      root: root,
      name: root.dataset.explorer,
      inputs: Array.prototype.slice.call(root.querySelectorAll("[data-param]")),
      button: root.querySelector(".nnfb-live-start"),
      note: root.querySelector(".nnfb-live-note"),
      img: root.querySelector(".nnfb-frame"),
      announce: root.querySelector(".nnfb-announce"),
      live: false, busy: false, latest: null, drawn: null, started: 0,
    };
    if (!state.button || !root.nnfbView) return;
    var why = unavailable();
    if (why) {
      state.note.textContent = why;
      return;
    }
    state.button.textContent = "Compute any value in your browser (about " + megabytes +
      " MB, once)";
    state.button.hidden = false;
    state.button.addEventListener("click", function () {
      if (state.button.getAttribute("aria-disabled") !== "true") request(state);
    });
  }

  document.querySelectorAll(".nnfb-static-explorer").forEach(setUp);
})();
