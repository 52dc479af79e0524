// The static explorer: swaps precomputed frames as the reader moves a control.
// It runs once per explorer, from the script element inside the explorer's root.
// Live mode (explorer-live.js, on the book's pages) takes over through root.nnfbView:
// it gives the sliders finer labels and has each value drawn instead of looked up.
(function (root) {
  "use strict";
  var data = JSON.parse(root.querySelector(".nnfb-frames").textContent);
  var inputs = root.querySelectorAll("[data-param]");
  var outs = root.querySelectorAll(".nnfb-value");
  var img = root.querySelector(".nnfb-frame");
  var announce = root.querySelector(".nnfb-announce");
  var view = { data: data, labels: data.labels, draw: showFrame, update: update };
  function showFrame(key, said) {
    var frame = data.index[key];
    img.src = "data:image/png;base64," + data.frames[frame];
    img.alt = data.alts[frame];
    announce.textContent = said;
  }
  function update() {
    var key = [], said = [];
    inputs.forEach(function (el, k) {
      var shown = view.labels[k][Number(el.value)];
      key.push(el.value);
      outs[k].textContent = shown;
      if (el.type === "range") el.setAttribute("aria-valuetext", shown);
      said.push(data.names[k] + " " + shown);
    });
    view.draw(key.join("-"), said.join(", "));
  }
  inputs.forEach(function (el) {
    el.addEventListener("input", update);
    el.addEventListener("change", update);
  });
  root.nnfbView = view;
})(document.currentScript.closest(".nnfb-static-explorer"));
