// The explorers' Web Worker (started by explorer-live.js). Its first message names
// the site's Pyodide folder: it loads Pyodide from there with explorer-lock.json, the
// site's lock cut down to numpy, matplotlib and the book's helpers package (the same
// files and checksums as the in-browser edition's), and the bytecode of the modules
// it imports (see editions/lite.py). Each later message asks for one frame, which
// helpers.widgets._worker.frame draws with the explorer's own code.
"use strict";

var started = null; // a promise of the running Pyodide
var seconds = {}; // how long each step of the start took

function since(start) {
  return (performance.now() - start) / 1000;
}

function start(folder) {
  var t = performance.now();
  importScripts(folder + "pyodide.js");
  return loadPyodide({ indexURL: folder, lockFileURL: folder + "explorer-lock.json" })
    .then(function (pyodide) {
      seconds.pyodide = since(t);
      t = performance.now();
      var packages = ["nn-fundamentals-helpers", "nn-fundamentals-explorer-bytecode"];
      return pyodide.loadPackage(packages, { messageCallback: function () {} })
        .then(function () {
          seconds.packages = since(t);
          t = performance.now();
          // Agg draws the PNGs; no figure is ever shown, so no other backend loads.
          pyodide.runPython([
            "import os",
            "os.environ['MPLBACKEND'] = 'agg'",
            "from helpers.widgets._worker import frame",
          ].join("\n"));
          seconds.imports = since(t);
          return pyodide;
        });
    });
}

function draw(pyodide, message) {
  pyodide.globals.set("explorer_name", message.name);
  pyodide.globals.set("frame_key", message.key);
  try {
    return JSON.parse(pyodide.runPython("frame(explorer_name, frame_key)"));
  } catch (error) {
    return { key: message.key, error: String(error.message || error).trim().split("\n").pop() };
  }
}

self.onmessage = function (event) {
  var message = event.data;
  if (message.type === "start") {
    started = new Promise(function (resolve) { resolve(start(message.pyodide)); });
    started.then(
      function () { self.postMessage({ type: "ready", seconds: seconds }); },
      function (error) { self.postMessage({ type: "failed", message: String(error) }); }
    );
  } else if (message.type === "draw") {
    started.then(function (pyodide) {
      var reply = draw(pyodide, message);
      reply.type = "frame";
      reply.id = message.id;
      self.postMessage(reply);
    });
  }
};
