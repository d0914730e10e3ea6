/*
 * civicdx front-end helpers (vanilla JS, no framework).
 *
 * (a) Charts: every <div class="chart" data-chart='{...ECharts option...}'>
 *     is initialised with window.echarts (vendor/echarts.min.js, loaded
 *     before this file) and resized when the window resizes. Content swapped
 *     in by htmx is picked up too (htmx:load).
 * (b) Job progress: an element with data-job-url="/jobs/123/status" polls
 *     that URL every second. The JSON answer is
 *       {status, progress, total, message, result_url}
 *     The .progress__bar width and .progress__label text inside the element
 *     follow it; on status "SUCCESSFUL" or "FAILED" polling stops and, if
 *     result_url is given, the browser goes there.
 * (c) Uploads: a <form data-upload data-max="BYTES"> is sent with
 *     XMLHttpRequest so that a progress bar (.upload-progress) and a cancel
 *     button (.upload-cancel) work; the server answers 201 {url} and the
 *     browser goes there, or {message, details} shown in .upload-error.
 */
(function () {
  "use strict";

  /* ---------------------------------------------------------------- */
  /* (a) ECharts                                                      */
  /* ---------------------------------------------------------------- */

  // DADS-based defaults; an option's own colours/fonts still win.
  var CHART_THEME = {
    color: [
      "#0017c1", // blue-900 (primary)
      "#fb5b01", // orange-600
      "#259d63", // green-600
      "#8843e1", // purple-600
      "#00a3bf", // cyan-600
      "#d2a400", // yellow-600
      "#db00db", // magenta-600
      "#7f7f7f", // solid-gray-500
      "#4979f5", // blue-500
      "#a90000"  // red-1000
    ],
    backgroundColor: "transparent",
    textStyle: {
      fontFamily: '"Noto Sans JP", "Noto Sans CJK JP", "Hiragino Sans", sans-serif',
      color: "#333333"
    }
  };
  var THEME_NAME = "civicdx-dads";
  var themeRegistered = false;
  var charts = [];

  function initCharts(root) {
    var echarts = window.echarts;
    if (!echarts) return;
    if (!themeRegistered) {
      echarts.registerTheme(THEME_NAME, CHART_THEME);
      themeRegistered = true;
    }
    var scope = root && root.querySelectorAll ? root : document;
    var nodes = Array.prototype.slice.call(scope.querySelectorAll(".chart[data-chart]"));
    if (scope.matches && scope.matches(".chart[data-chart]")) nodes.unshift(scope);

    nodes.forEach(function (el) {
      if (el.getAttribute("data-chart-ready") === "1") return;
      var option;
      try {
        option = JSON.parse(el.getAttribute("data-chart"));
      } catch (err) {
        if (window.console) console.error("civicdx: invalid data-chart JSON", el, err);
        return;
      }
      var chart = echarts.getInstanceByDom(el) || echarts.init(el, THEME_NAME);
      chart.setOption(option, true);
      el.setAttribute("data-chart-ready", "1");
      charts.push(chart);
    });
  }

  function resizeNow() {
    charts = charts.filter(function (chart) {
      var dom = chart.isDisposed() ? null : chart.getDom();
      if (!dom || !dom.isConnected) {
        if (!chart.isDisposed()) chart.dispose();
        return false;
      }
      chart.resize();
      return true;
    });
  }

  var resizeQueued = false;
  function resizeCharts() {
    if (resizeQueued) return;
    resizeQueued = true;
    window.requestAnimationFrame(function () {
      resizeQueued = false;
      resizeNow();
    });
  }

  /* ---------------------------------------------------------------- */
  /* (b) Job progress polling                                         */
  /* ---------------------------------------------------------------- */

  var POLL_MS = 1000;
  var MAX_FAILURES = 30; // ~30 s of unreachable status URL, then give up
  var FINAL = { SUCCESSFUL: true, FAILED: true };

  function findIn(el, selector) {
    return el.matches(selector) ? el : el.querySelector(selector);
  }

  function toNumber(value) {
    var n = typeof value === "number" ? value : parseFloat(value);
    return isFinite(n) ? n : null;
  }

  function fmt(n) {
    return n.toLocaleString("ja-JP");
  }

  function render(el, data) {
    var bar = findIn(el, ".progress__bar");
    var label = findIn(el, ".progress__label");
    var track = bar ? bar.closest(".progress") : findIn(el, ".progress");
    var progress = toNumber(data.progress);
    var total = toNumber(data.total);
    var status = String(data.status || "");

    var pct = null;
    if (progress !== null && total !== null && total > 0) {
      pct = (progress / total) * 100;
    } else if (progress !== null && (total === null || total === 0)) {
      pct = progress; // no total: progress is already a percentage
    }
    if (status === "SUCCESSFUL") pct = 100;
    if (pct !== null) pct = Math.max(0, Math.min(100, pct));

    if (bar && pct !== null) bar.style.width = pct.toFixed(1) + "%";

    if (track) {
      track.classList.toggle("is-done", status === "SUCCESSFUL");
      track.classList.toggle("is-failed", status === "FAILED");
      if (track.getAttribute("role") === "progressbar" && pct !== null) {
        track.setAttribute("aria-valuemin", "0");
        track.setAttribute("aria-valuemax", "100");
        track.setAttribute("aria-valuenow", String(Math.round(pct)));
      }
    }

    if (label) {
      var parts = [];
      if (data.message) parts.push(String(data.message));
      if (progress !== null && total !== null && total > 0) {
        parts.push(fmt(progress) + " / " + fmt(total));
      }
      if (pct !== null) parts.push(Math.floor(pct) + "%");
      if (parts.length) label.textContent = parts.join("　");
    }
  }

  function pollJob(el) {
    if (el.getAttribute("data-job-polling") === "1") return;
    el.setAttribute("data-job-polling", "1");
    var url = el.getAttribute("data-job-url");
    var failures = 0;

    function next() {
      if (!el.isConnected) return; // element swapped out: stop
      window.setTimeout(tick, POLL_MS);
    }

    function tick() {
      if (!el.isConnected) return;
      fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store"
      })
        .then(function (res) {
          if (!res.ok) throw new Error("HTTP " + res.status);
          return res.json();
        })
        .then(function (data) {
          failures = 0;
          render(el, data || {});
          var status = String((data && data.status) || "");
          if (FINAL[status]) {
            el.setAttribute("data-job-polling", "done");
            if (data.result_url) window.location.href = data.result_url;
            return;
          }
          next();
        })
        .catch(function (err) {
          failures += 1;
          if (failures >= MAX_FAILURES) {
            var label = findIn(el, ".progress__label");
            if (label) label.textContent = "進捗を取得できませんでした。ページを再読み込みしてください。";
            el.setAttribute("data-job-polling", "error");
            if (window.console) console.error("civicdx: job polling stopped", url, err);
            return;
          }
          next();
        });
    }

    tick();
  }

  function initJobs(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var nodes = Array.prototype.slice.call(scope.querySelectorAll("[data-job-url]"));
    if (scope.matches && scope.matches("[data-job-url]")) nodes.unshift(scope);
    nodes.forEach(pollJob);
  }

  /* ---------------------------------------------------------------- */
  /* (c) Uploads with a progress bar                                  */
  /* ---------------------------------------------------------------- */

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function megabytes(n) { return (n / 1048576).toFixed(1) + " MB"; }

  function initUpload(form) {
    if (form.getAttribute("data-upload-ready")) return;
    form.setAttribute("data-upload-ready", "1");
    var bar = form.querySelector(".upload-progress");
    var fill = bar.querySelector(".progress__bar");
    var label = bar.querySelector(".progress__label");
    var errorBox = form.querySelector(".upload-error");
    var cancel = form.querySelector(".upload-cancel");
    var submit = form.querySelector("button[type=submit]");
    var xhr = null;

    function showError(message, details) {
      errorBox.hidden = false;
      errorBox.textContent = message;
      (details || []).forEach(function (d) {
        var p = document.createElement("p");
        p.textContent = d;
        errorBox.appendChild(p);
      });
    }

    function reset() {
      submit.disabled = false;
      cancel.hidden = true;
      bar.hidden = true;
      xhr = null;
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      errorBox.hidden = true;
      var total = 0;
      Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (input) {
        Array.prototype.forEach.call(input.files, function (f) { total += f.size; });
      });
      var max = parseInt(form.getAttribute("data-max"), 10);
      if (max && total > max) {
        showError("ファイルが大きすぎます（" + megabytes(total) + "）。" + megabytes(max) + " までにしてください。");
        return;
      }
      xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.setRequestHeader("Accept", "application/json");
      bar.hidden = false;
      submit.disabled = true;
      cancel.hidden = false;
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var pct = (e.loaded / e.total) * 100;
        fill.style.width = pct.toFixed(1) + "%";
        bar.setAttribute("aria-valuenow", String(Math.round(pct)));
        label.textContent = "アップロード中　" + Math.floor(pct) + "%（" + megabytes(e.loaded) + " / " + megabytes(e.total) + "）";
      });
      xhr.addEventListener("load", function () {
        var data = {};
        try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        if (xhr.status === 201 && data.url) {
          fill.style.width = "100%";
          label.textContent = "アップロード完了。処理の画面に移ります…";
          window.location.href = data.url;
          return;
        }
        reset();
        showError(data.message || ("アップロードに失敗しました（HTTP " + xhr.status + "）。"), data.details);
      });
      xhr.addEventListener("error", function () {
        reset();
        showError("通信が切れました。もう一度お試しください。");
      });
      xhr.addEventListener("abort", function () {
        reset();
        showError("アップロードを中止しました。");
      });
      xhr.send(new FormData(form));
    });
    cancel.addEventListener("click", function () {
      if (xhr) xhr.abort();
    });
  }

  function initUploads(root) {
    var scope = root && root.querySelectorAll ? root : document;
    Array.prototype.forEach.call(scope.querySelectorAll("form[data-upload]"), initUpload);
  }

  /* ---------------------------------------------------------------- */
  /* Wiring                                                           */
  /* ---------------------------------------------------------------- */

  function init(root) {
    initCharts(root);
    initJobs(root);
    initUploads(root);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  window.addEventListener("resize", resizeCharts);
  // The print layout has another width: refit the charts when it applies
  // (app.css also scales the drawn chart to the printed width).
  if (window.matchMedia) {
    var printMedia = window.matchMedia("print");
    if (printMedia.addEventListener) printMedia.addEventListener("change", resizeNow);
  }
  // htmx (if present) fires htmx:load for each piece of new content.
  document.addEventListener("htmx:load", function (evt) {
    init(evt.target || document);
  });
})();
