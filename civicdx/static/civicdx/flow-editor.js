/* civicdx flow editor and viewer (bpmn-js, vendored).
 *
 * <div data-flow-editor data-xml-url data-save-url data-editable="1|0" data-filename data-manual-url>
 *   loads the BPMN XML, lets a clerk edit it (palette, context pad, undo/redo, Ctrl+S), saves it back
 *   (POST text/xml; the server checks it and answers {ok, version, hours} or {ok: false, errors: [...]}),
 *   exports .bpmn / SVG / PNG, and shows for the selected task the survey attributes kept in
 *   <civicdx:step> and the manual section whose heading points at the task (<template id="manual-html">).
 * <div data-flow-diff data-xml-url data-markers='{"Activity_1": "added", ...}'>
 *   a read-only diagram with the tasks of a comparison coloured.
 */
(function () {
  "use strict";

  var CIVICDX = {
    name: "civicdx", uri: "https://civicdx.jp/schema/bpmn/1.0", prefix: "civicdx",
    xml: { tagAlias: "lowerCase" },
    types: [{
      name: "Step", superClass: ["Element"],
      properties: ["no", "kind", "minutes", "cases", "hours", "medium", "seal", "system", "worker", "flags"].map(
        function (p) { return { name: p, isAttr: true, type: "String" }; })
    }]
  };
  var LABELS = { no: "手順No", kind: "作業種類", minutes: "1件当たり時間(分)", cases: "年間件数", hours: "年間時間",
                 medium: "媒体", seal: "押印", system: "使用システム", worker: "担い手", flags: "BPR候補" };

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var h = document.body.getAttribute("hx-headers");
    try { return JSON.parse(h)["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function stepOf(bo) {
    var ext = bo && bo.extensionElements;
    var values = (ext && ext.values) || [];
    for (var i = 0; i < values.length; i++) {
      if (values[i].$instanceOf && values[i].$instanceOf("civicdx:Step")) return values[i];
    }
    return null;
  }

  function num(v) { var n = parseFloat(v); return isFinite(n) ? n : null; }

  function stepHours(step) {
    if (!step) return 0;
    var m = num(step.minutes), c = num(step.cases);
    if (m !== null && c !== null) return m * c / 60;
    return num(step.hours) || 0;
  }

  function fmt(n) { return n.toLocaleString("ja-JP", { maximumFractionDigits: 1 }); }

  function download(name, data, type) {
    var blob = data instanceof Blob ? data : new Blob([data], { type: type });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function svgToPng(svg, done) {
    var img = new Image();
    var url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml;charset=utf-8" }));
    img.onload = function () {
      var scale = 2, canvas = document.createElement("canvas");
      canvas.width = img.width * scale; canvas.height = img.height * scale;
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      URL.revokeObjectURL(url);
      canvas.toBlob(done, "image/png");
    };
    img.src = url;
  }

  function manualSection(taskId) {
    var tpl = document.getElementById("manual-html");
    if (!tpl) return null;
    var heading = tpl.content.querySelector('[data-task="' + CSS.escape(taskId) + '"]');
    if (!heading) return null;
    var level = parseInt(heading.tagName.slice(1), 10), out = document.createElement("div");
    out.appendChild(heading.cloneNode(true));
    for (var el = heading.nextElementSibling; el; el = el.nextElementSibling) {
      if (/^H[1-6]$/.test(el.tagName) && parseInt(el.tagName.slice(1), 10) <= level) break;
      out.appendChild(el.cloneNode(true));
    }
    return { html: out.innerHTML, anchor: heading.id };
  }

  function initEditor(el) {
    var page = el.closest("main") || document;
    var editable = el.getAttribute("data-editable") === "1";
    var modeler = new window.BpmnJS({ container: el, moddleExtensions: { civicdx: CIVICDX } });
    var status = page.querySelector('[data-role="status"]');
    var errors = page.querySelector('[data-role="errors"]');
    var saveBtn = page.querySelector('[data-action="save"]');
    var panel = page.querySelector('[data-role="panel"]');
    var dirty = false, selected = null;

    function say(text) { if (status) status.textContent = text; }
    function showErrors(list) {
      if (!errors) return;
      errors.hidden = !list.length;
      errors.innerHTML = "";
      if (!list.length) return;
      var title = document.createElement("p");
      title.className = "alert__title";
      title.textContent = "保存できませんでした。次の点を直してください。";
      var ul = document.createElement("ul");
      list.forEach(function (m) { var li = document.createElement("li"); li.textContent = m; ul.appendChild(li); });
      errors.appendChild(title); errors.appendChild(ul);
    }
    function totalHours() {
      var sum = 0;
      modeler.get("elementRegistry").forEach(function (e) {
        if (e.businessObject && e.businessObject.$instanceOf && e.businessObject.$instanceOf("bpmn:Activity")) {
          sum += stepHours(stepOf(e.businessObject));
        }
      });
      return sum;
    }
    function setDirty(value) {
      dirty = value;
      if (saveBtn) saveBtn.disabled = !value;
      var hours = page.querySelector('[data-testid="flow-hours"]');
      if (hours) hours.textContent = fmt(totalHours());
      say(value ? "未保存の変更があります" : "");
    }

    function showPanel(element) {
      if (!panel) return;
      var body = panel.querySelector('[data-role="panel-body"]');
      var empty = panel.querySelector('[data-role="panel-empty"]');
      selected = element && element.businessObject && element.businessObject.$instanceOf("bpmn:FlowNode") ? element : null;
      body.hidden = !selected; empty.hidden = !!selected;
      if (!selected) return;
      var bo = selected.businessObject, step = stepOf(bo);
      panel.querySelector('[data-role="panel-title"]').textContent = bo.name || bo.id;
      var lane = (bo.lanes && bo.lanes[0] && bo.lanes[0].name) || "";
      panel.querySelector('[data-role="panel-lane"]').textContent = (lane ? "レーン: " + lane + " ・ " : "") + bo.id;
      var dl = panel.querySelector('[data-role="panel-attrs"]');
      dl.innerHTML = "";
      if (step) {
        Object.keys(LABELS).forEach(function (key) {
          var v = key === "hours" ? fmt(stepHours(step)) : step[key];
          if (v === undefined || v === null || v === "") return;
          if (key === "seal") v = v === "true" ? "有" : "無";
          var dt = document.createElement("dt"), dd = document.createElement("dd");
          dt.textContent = LABELS[key]; dd.textContent = v;
          dl.appendChild(dt); dl.appendChild(dd);
        });
      }
      var edit = panel.querySelector('[data-role="panel-edit"]');
      var isActivity = bo.$instanceOf("bpmn:Activity");
      edit.hidden = !(editable && isActivity);
      edit.querySelectorAll("[data-attr]").forEach(function (input) {
        input.value = step ? (step[input.getAttribute("data-attr")] || "") : "";
      });
      var target = panel.querySelector('[data-role="panel-manual"]');
      var section = manualSection(bo.id);
      target.innerHTML = "";
      if (section) {
        target.innerHTML = section.html;
        var link = document.createElement("a");
        link.href = el.getAttribute("data-manual-url") + "#" + section.anchor;
        link.textContent = "マニュアルで開く";
        target.appendChild(link);
      } else {
        target.textContent = "このタスクを指す節はマニュアルにありません（見出しの末尾に {#" + bo.id + "} と書くと結び付きます）。";
      }
    }

    function updateAttr(attr, value) {
      if (!selected) return;
      var modeling = modeler.get("modeling"), moddle = modeler.get("moddle");
      var bo = selected.businessObject, step = stepOf(bo), props = {};
      props[attr] = value;
      if (step) {
        modeling.updateModdleProperties(selected, step, props);
      } else {
        step = moddle.create("civicdx:Step", props);
        var ext = bo.extensionElements || moddle.create("bpmn:ExtensionElements", { values: [] });
        step.$parent = ext;
        modeling.updateProperties(selected, { extensionElements: moddle.create("bpmn:ExtensionElements",
          { values: (ext.values || []).concat([step]) }) });
      }
      showPanel(selected);
    }

    function save() {
      if (!editable) return;
      modeler.saveXML({ format: true }).then(function (r) {
        say("保存しています…");
        var comment = page.querySelector('[data-role="comment"]');
        return fetch(el.getAttribute("data-save-url"), {
          method: "POST", credentials: "same-origin", body: r.xml,
          headers: { "Content-Type": "application/xml; charset=utf-8", "X-CSRFToken": csrf(),
                     "X-Comment": encodeURIComponent(comment ? comment.value : "") }
        });
      }).then(function (res) { return res.json(); }).then(function (data) {
        if (!data.ok) { showErrors(data.errors || ["保存できませんでした。"]); say("保存できませんでした"); return; }
        showErrors([]);
        setDirty(false);
        say("第" + data.version + "版として保存しました（年間 " + fmt(data.hours) + " 時間）");
        var comment = page.querySelector('[data-role="comment"]');
        if (comment) comment.value = "";
      }).catch(function (err) { showErrors(["通信に失敗しました: " + err]); say(""); });
    }

    var actions = {
      save: save,
      undo: function () { modeler.get("commandStack").undo(); },
      redo: function () { modeler.get("commandStack").redo(); },
      fit: function () { modeler.get("canvas").zoom("fit-viewport", "auto"); },
      bpmn: function () {
        modeler.saveXML({ format: true }).then(function (r) {
          download(el.getAttribute("data-filename") + ".bpmn", r.xml, "application/xml");
        });
      },
      svg: function () {
        modeler.saveSVG().then(function (r) { download(el.getAttribute("data-filename") + ".svg", r.svg, "image/svg+xml"); });
      },
      png: function () {
        modeler.saveSVG().then(function (r) {
          svgToPng(r.svg, function (blob) { download(el.getAttribute("data-filename") + ".png", blob); });
        });
      }
    };
    page.querySelectorAll("[data-action]").forEach(function (btn) {
      btn.addEventListener("click", function () { actions[btn.getAttribute("data-action")](); });
    });
    if (panel) {
      panel.querySelectorAll("[data-attr]").forEach(function (input) {
        input.addEventListener("change", function () {
          var v = input.value.trim().replace(/[０-９．]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); });
          if (v !== "" && (!isFinite(parseFloat(v)) || parseFloat(v) < 0)) {
            showErrors([LABELS[input.getAttribute("data-attr")] + "は0以上の数値で入力してください。"]);
            return;
          }
          showErrors([]);
          updateAttr(input.getAttribute("data-attr"), v);
        });
      });
    }
    document.addEventListener("keydown", function (e) {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") { e.preventDefault(); save(); }
    });
    window.addEventListener("beforeunload", function (e) { if (dirty) { e.preventDefault(); e.returnValue = ""; } });

    say("読み込んでいます…");
    fetch(el.getAttribute("data-xml-url"), { credentials: "same-origin" })
      .then(function (res) { if (!res.ok) throw new Error(res.status); return res.text(); })
      .then(function (xml) { return modeler.importXML(xml); })
      .then(function () {
        actions.fit();
        var bus = modeler.get("eventBus");
        bus.on("commandStack.changed", function () { setDirty(true); });
        bus.on("selection.changed", function (e) { showPanel(e.newSelection[0]); });
        el.setAttribute("data-ready", "1");
        say("");
        var m = location.hash.match(/task=([\w.\-]+)/);
        var target = m && modeler.get("elementRegistry").get(m[1]);
        if (target) { modeler.get("selection").select(target); modeler.get("canvas").addMarker(target.id, "flow-focus"); }
        if (!editable) {
          el.classList.add("flow-canvas--readonly");
        }
      })
      .catch(function (err) { showErrors(["フローを表示できませんでした: " + err]); say(""); });
    el.civicdxModeler = modeler;
  }

  function initDiff(el) {
    var viewer = new window.BpmnJS({ container: el, moddleExtensions: { civicdx: CIVICDX } });
    var markers = JSON.parse(el.getAttribute("data-markers") || "{}");
    fetch(el.getAttribute("data-xml-url"), { credentials: "same-origin" })
      .then(function (res) { return res.text(); })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry");
        canvas.zoom("fit-viewport", "auto");
        Object.keys(markers).forEach(function (id) {
          if (registry.get(id)) canvas.addMarker(id, "diff-" + markers[id]);
        });
        el.classList.add("flow-canvas--readonly");
        el.setAttribute("data-ready", "1");
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.BpmnJS) return;
    document.querySelectorAll("[data-flow-editor]").forEach(initEditor);
    document.querySelectorAll("[data-flow-diff]").forEach(initDiff);
  });
})();
