/* AI-OCR 帳票定義エディタ: the blank form image with the 読取範囲 (field boxes) drawn over it. Draw a box by dragging on
 * an empty area, select (Shift+click adds), move, resize with 8 handles, nudge with the arrow keys, duplicate, delete,
 * align, reorder (= CSV column order) and edit each field's settings in the side panel.
 *
 * Contract with the page:
 *   <div id="ocr-editor" data-image-url="…/template.png" data-width="1240" data-height="1754"></div>
 *   <textarea name="fields_json" id="ocr-fields-json" hidden>[…]</textarea>   (inside the same <form>)
 * The textarea holds the JSON list of fields and is rewritten on every change; the form's submit is blocked (with
 * inline messages) while the list is invalid. bbox = [x, y, w, h] in template-image pixels (integers). Keys this file
 * does not know are kept as they are. Each box is a .ocr-box[data-field-index] (0-based) inside .ocr-stage; the
 * property inputs are #ocr-prop-<key> (name, type, charset, required, engine, width, kansuji, review_threshold,
 * csv_column, x, y, w, h). The editor element also gets .ocrEditor = {getFields, validate, select, setZoom}. */
(function () {
  "use strict";

  const TYPES = [   // value, label in the select, short label for the list
    ["text", "文字", "文字"], ["number", "数字", "数字"], ["date", "日付（和暦→西暦）", "日付"], ["kana", "カナ", "カナ"],
    ["checkbox", "チェックボックス", "チェック"], ["stamp", "押印", "押印"], ["phone", "電話番号", "電話番号"],
    ["postal", "郵便番号", "郵便番号"], ["lgcode", "団体コード（6桁）", "団体コード"], ["free", "自由記述", "自由記述"]
  ];
  const ENGINES = [["both", "両方で照合（推奨）"], ["tesseract", "Tesseract"], ["rapidocr", "RapidOCR（PP-OCRv6）"]];
  const WIDTHS = [["", "そのまま"], ["hankaku", "半角に"], ["zenkaku", "全角に"]];
  const HANDLES = ["nw", "n", "ne", "e", "se", "s", "sw", "w"];
  const HANDLE_LABELS = { nw: "左上", n: "上", ne: "右上", e: "右", se: "右下", s: "下", sw: "左下", w: "左" };
  const ZOOMS = [0.25, 0.33, 0.5, 0.67, 0.75, 1, 1.25, 1.5, 2, 3];
  const MIN = 8;            // smallest box, template px
  const DRAG_START = 3;     // screen px before a press on a box turns into a move
  const HISTORY_MAX = 100;

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function options(list) {
    return list.map(function (o) { return '<option value="' + esc(o[0]) + '">' + esc(o[1]) + "</option>"; }).join("");
  }
  function labelOf(list, value, short) {
    const hit = list.find(function (o) { return o[0] === value; });
    return hit ? hit[short && hit[2] ? 2 : 1] : String(value);
  }
  function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }
  function isTyping(el) {
    if (!el || !el.tagName) return false;
    if (el.isContentEditable) return true;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    if (el.tagName !== "INPUT") return false;
    return !/^(button|submit|reset|checkbox|radio|range|color|file|image)$/i.test(el.type);
  }

  function skeleton() {
    return (
      '<div class="alert alert--error ocr-errors" role="alert" tabindex="-1" hidden>' +
        '<strong class="ocr-errors__title">保存できません。次の点を直してください。</strong>' +
        '<ul class="ocr-errors__list"></ul>' +
      "</div>" +
      '<div class="ocr-load-error alert alert--warning" role="alert" hidden></div>' +
      '<div class="ocr-toolbar" role="group" aria-label="読取範囲の操作">' +
        '<div class="ocr-toolbar__group" role="group" aria-label="編集">' +
          btn("add", "追加", "表示している位置に新しい読取範囲を追加します（キーボードで操作する場合）") +
          btn("duplicate", "複製", "選択した読取範囲を複製します（Ctrl+D）") +
          btn("delete", "削除", "選択した読取範囲を削除します（Delete）", "ocr-btn--danger") +
          btn("undo", "元に戻す", "直前の操作を取り消します（Ctrl+Z）") +
          btn("redo", "やり直す", "取り消した操作をやり直します（Ctrl+Shift+Z）") +
        "</div>" +
        '<div class="ocr-toolbar__group" role="group" aria-label="整列（最初に選択した項目に合わせる）">' +
          btn("align-left", "左揃え", "選択した読取範囲の左端を、最初に選択した項目に揃えます（2つ以上選択）") +
          btn("align-top", "上揃え", "選択した読取範囲の上端を、最初に選択した項目に揃えます（2つ以上選択）") +
          btn("same-width", "幅を揃える", "選択した読取範囲の幅を、最初に選択した項目に揃えます（2つ以上選択）") +
          btn("same-height", "高さを揃える", "選択した読取範囲の高さを、最初に選択した項目に揃えます（2つ以上選択）") +
        "</div>" +
        '<div class="ocr-toolbar__group ocr-toolbar__group--zoom" role="group" aria-label="表示倍率">' +
          btn("zoom-out", "縮小", "画像を縮小して表示します") +
          btn("zoom-in", "拡大", "画像を拡大して表示します（Ctrl+ホイールでも変えられます）") +
          btn("zoom-fit", "幅に合わせる", "画像を表示欄の幅に合わせます") +
          btn("zoom-100", "100%", "画像を実寸（100%）で表示します") +
          '<span class="ocr-zoom" aria-label="表示倍率">100%</span>' +
        "</div>" +
      "</div>" +
      '<div class="ocr-layout">' +
        '<div class="ocr-main">' +
          '<div class="ocr-viewport">' +
            '<div class="ocr-stage" tabindex="0" role="group" aria-roledescription="帳票画像" ' +
              'aria-label="帳票画像と読取範囲。画像の上をドラッグすると読取範囲を作成します" aria-describedby="ocr-help">' +
              '<img class="ocr-stage__image" alt="" draggable="false">' +
              '<div class="ocr-stage__boxes"></div>' +
              '<div class="ocr-draft" hidden><span class="ocr-draft__size"></span></div>' +
              '<p class="ocr-stage__message" hidden></p>' +
            "</div>" +
          "</div>" +
          '<div class="ocr-statusbar">' +
            '<span class="ocr-statusbar__pos">位置 —</span>' +
            '<span class="ocr-statusbar__sel"></span>' +
          "</div>" +
          '<p class="ocr-help" id="ocr-help">' +
            "<span>ドラッグ: 読取範囲を作成</span><span>クリック: 選択（<kbd>Shift</kbd>+クリックで追加）</span>" +
            "<span>枠をドラッグ: 移動・四隅と辺でサイズ変更</span><span><kbd>←</kbd><kbd>↑</kbd><kbd>→</kbd><kbd>↓</kbd>: 1px移動（<kbd>Shift</kbd>で10px）</span>" +
            "<span><kbd>Delete</kbd>: 削除</span><span><kbd>Ctrl</kbd>+<kbd>D</kbd>: 複製</span><span><kbd>Ctrl</kbd>+<kbd>Z</kbd>: 元に戻す</span>" +
          "</p>" +
        "</div>" +
        '<aside class="ocr-panel" aria-label="読取項目と設定">' +
          '<section class="ocr-panel__section ocr-fields" aria-labelledby="ocr-fields-title">' +
            '<div class="ocr-panel__head">' +
              '<h2 class="ocr-panel__title" id="ocr-fields-title">読取項目</h2>' +
              '<span class="ocr-count badge badge--neutral">0件</span>' +
            "</div>" +
            '<p class="help">上から順に、CSVの列の並びになります。</p>' +
            '<div class="ocr-list-wrap">' +
              '<table class="table table--compact ocr-list">' +
                '<caption class="ocr-sr">読取項目の一覧（CSVの列順）</caption>' +
                '<thead><tr><th scope="col" class="num">No.</th><th scope="col">名前</th><th scope="col">種類</th></tr></thead>' +
                "<tbody></tbody>" +
              "</table>" +
              '<p class="ocr-list-empty">まだ読取範囲がありません。左の画像の上をドラッグして作成してください。</p>' +
            "</div>" +
            '<div class="ocr-list-actions">' +
              btn("move-up", "上へ", "選択した項目をCSVの列順で1つ前に移します") +
              btn("move-down", "下へ", "選択した項目をCSVの列順で1つ後ろに移します") +
            "</div>" +
          "</section>" +
          '<section class="ocr-panel__section ocr-props" aria-labelledby="ocr-props-title">' +
            '<h2 class="ocr-panel__title" id="ocr-props-title">項目の設定</h2>' +
            '<p class="ocr-props__empty help">読取範囲を選択すると、ここで設定を編集できます。</p>' +
            '<div class="ocr-props__multi" hidden></div>' +
            '<div class="ocr-props__form" hidden>' +
              propText("name", "名前", "例: 申請日、氏名") +
              propSelect("type", "種類", TYPES) +
              propSelect("engine", "読取エンジン", ENGINES) +
              '<div class="ocr-props__grid">' +
                propSelect("width", "全角/半角", WIDTHS) +
                '<div class="ocr-prop" data-key="review_threshold">' +
                  '<label class="ocr-prop__label" for="ocr-prop-review_threshold">確認しきい値</label>' +
                  '<span class="ocr-prop__unit"><input class="input ocr-input" type="number" id="ocr-prop-review_threshold" ' +
                  'min="0" max="100" step="1" inputmode="numeric" aria-describedby="ocr-prop-review_threshold-help"> %</span>' +
                "</div>" +
              "</div>" +
              '<p class="help ocr-prop__help ocr-prop__help--after" id="ocr-prop-review_threshold-help">' +
                "読取の信頼度がこのしきい値より低いと「確認が必要」になります（0〜100）。</p>" +
              propText("charset", "使用できる文字", "読み取りを許す文字。空欄なら制限しません（例: 0123456789-）") +
              '<div class="ocr-props__checks">' +
                '<label class="ocr-check"><input type="checkbox" id="ocr-prop-required"> 必須</label>' +
                '<label class="ocr-check"><input type="checkbox" id="ocr-prop-kansuji"> 漢数字を数字に</label>' +
              "</div>" +
              propText("csv_column", "CSV列名", "空欄なら名前を列名にします。") +
              '<fieldset class="ocr-props__bbox">' +
                '<legend class="ocr-prop__label">読取範囲（画像のピクセル）</legend>' +
                '<div class="ocr-props__bbox-grid">' +
                  propNum("x", "X（左）") + propNum("y", "Y（上）") + propNum("w", "幅") + propNum("h", "高さ") +
                "</div>" +
              "</fieldset>" +
            "</div>" +
          "</section>" +
        "</aside>" +
      "</div>" +
      '<div class="ocr-sr ocr-live" role="status" aria-live="polite"></div>'
    );
  }
  function btn(action, text, title, extra) {
    return '<button type="button" class="btn btn--small ocr-btn ' + (extra || "") + '" data-action="' + action +
      '" title="' + esc(title) + '">' + esc(text) + "</button>";
  }
  function errorSlot(key) {
    return '<p class="field-error ocr-prop__error" id="ocr-prop-' + key + '-error" hidden></p>';
  }
  function propText(key, label, help) {
    const helpId = "ocr-prop-" + key + "-help";
    return '<div class="ocr-prop" data-key="' + key + '">' +
      '<label class="ocr-prop__label" for="ocr-prop-' + key + '">' + esc(label) + "</label>" +
      '<input class="input ocr-input" type="text" id="ocr-prop-' + key + '" autocomplete="off" spellcheck="false" ' +
      'aria-describedby="' + helpId + " ocr-prop-" + key + '-error">' +
      '<p class="help ocr-prop__help" id="' + helpId + '">' + esc(help) + "</p>" + errorSlot(key) + "</div>";
  }
  function propSelect(key, label, list) {
    return '<div class="ocr-prop" data-key="' + key + '">' +
      '<label class="ocr-prop__label" for="ocr-prop-' + key + '">' + esc(label) + "</label>" +
      '<select class="select ocr-input" id="ocr-prop-' + key + '">' + options(list) + "</select></div>";
  }
  function propNum(key, label) {
    return '<div class="ocr-prop" data-key="' + key + '">' +
      '<label class="ocr-prop__label" for="ocr-prop-' + key + '">' + esc(label) + "</label>" +
      '<input class="input ocr-input" type="number" id="ocr-prop-' + key + '" min="0" step="1" inputmode="numeric"></div>';
  }

  function initEditor(root) {
    const form = root.closest("form") || document.getElementById("ocr-definition-form");
    const textarea = document.getElementById("ocr-fields-json") ||
      (form && form.querySelector("textarea[name=fields_json]"));
    const imageUrl = root.getAttribute("data-image-url") || "";
    let W = parseInt(root.getAttribute("data-width"), 10) || 0;
    let H = parseInt(root.getAttribute("data-height"), 10) || 0;

    root.classList.add("ocr-editor");
    root.innerHTML = skeleton();
    const q = function (s) { return root.querySelector(s); };
    const stage = q(".ocr-stage"), viewport = q(".ocr-viewport"), image = q(".ocr-stage__image");
    const boxLayer = q(".ocr-stage__boxes"), draft = q(".ocr-draft"), draftSize = q(".ocr-draft__size");
    const stageMessage = q(".ocr-stage__message");
    const listBody = q(".ocr-list tbody"), listWrap = q(".ocr-list-wrap"), listEmpty = q(".ocr-list-empty");
    const count = q(".ocr-count"), zoomLabel = q(".ocr-zoom"), live = q(".ocr-live");
    const posLabel = q(".ocr-statusbar__pos"), selLabel = q(".ocr-statusbar__sel");
    const propsEmpty = q(".ocr-props__empty"), propsMulti = q(".ocr-props__multi"), propsForm = q(".ocr-props__form");
    const propsTitle = q("#ocr-props-title");
    const errorBox = q(".ocr-errors"), errorList = q(".ocr-errors__list"), loadError = q(".ocr-load-error");
    const buttons = {};
    root.querySelectorAll("[data-action]").forEach(function (b) { buttons[b.getAttribute("data-action")] = b; });
    const inputs = {};
    ["name", "type", "charset", "required", "engine", "width", "kansuji", "review_threshold", "csv_column",
      "x", "y", "w", "h"].forEach(function (k) { inputs[k] = q("#ocr-prop-" + k); });

    let fields = [];
    let sel = [];               // selected field objects; sel[0] is the reference for the align buttons
    let zoom = "fit";           // "fit" or a scale factor
    let scale = 1;
    let drag = null;
    let validated = false;      // after the first submit attempt, errors follow every change
    let errors = [];
    let undoStack = [], redoStack = [], lastKey = null, lastTime = 0;
    let propBefore = null;      // state when a property input got focus (one undo step per input visit)
    const boxEls = [], rowEls = [];

    /* ---- data ------------------------------------------------------------------------------------------ */
    function normalise(raw) {
      const f = raw && typeof raw === "object" && !Array.isArray(raw) ? Object.assign({}, raw) : {};
      f.name = f.name == null ? "" : String(f.name);
      let b = Array.isArray(f.bbox) ? f.bbox.map(function (v) { return Math.round(Number(v)); }) : [];
      if (b.length !== 4 || b.some(function (v) { return !isFinite(v); })) b = [0, 0, 200, 40];
      f.bbox = b;
      if (f.type == null || f.type === "") f.type = "text";
      if (f.charset == null) f.charset = "";
      f.required = !!f.required;
      if (f.engine == null || f.engine === "") f.engine = "both";
      if (f.width == null) f.width = "";
      f.kansuji = !!f.kansuji;
      let t = parseInt(f.review_threshold, 10);
      f.review_threshold = isFinite(t) ? clamp(t, 0, 100) : 80;
      if (f.csv_column == null) f.csv_column = f.name;
      return f;
    }
    function load() {
      let list = [];
      const text = textarea ? textarea.value.trim() : "";
      if (text) {
        try {
          list = JSON.parse(text);
          if (!Array.isArray(list)) throw new Error("not a list");
        } catch (e) {
          list = [];
          loadError.hidden = false;
          loadError.textContent = "保存されていた読取範囲のデータを読み込めませんでした（" + e.message + "）。空の状態から始めます。";
        }
      }
      fields = list.map(normalise);
    }
    function csvOf(f) { return String(f.csv_column || "").trim() || String(f.name || "").trim(); }
    function serialise() {
      return JSON.stringify(fields.map(function (f) {
        const o = Object.assign({}, f);
        o.bbox = f.bbox.map(function (v) { return Math.round(v); });
        o.csv_column = csvOf(f);
        return o;
      }));
    }
    function sync() {
      if (!textarea) return;
      const json = serialise();
      if (textarea.value !== json) {
        textarea.value = json;
        root.dispatchEvent(new CustomEvent("ocr-editor:change", { bubbles: true, detail: { fields: JSON.parse(json) } }));
      }
    }

    function clampBox(b) {
      let w = clamp(Math.round(b[2]), MIN, Math.max(MIN, W)), h = clamp(Math.round(b[3]), MIN, Math.max(MIN, H));
      return [clamp(Math.round(b[0]), 0, Math.max(0, W - w)), clamp(Math.round(b[1]), 0, Math.max(0, H - h)), w, h];
    }
    function uniqueName(base, taken) {
      if (!taken.has(base)) return base;
      for (let n = 2; ; n++) if (!taken.has(base + n)) return base + n;
    }
    function copyBase(name) { return String(name).replace(/のコピー\d*$/, "") + "のコピー"; }   // 氏名のコピー → 氏名のコピー2
    function newFieldName() {
      const taken = new Set(fields.map(function (f) { return f.name; }));
      for (let n = fields.length + 1; ; n++) if (!taken.has("項目" + n)) return "項目" + n;
    }
    function makeField(bbox) {
      const name = newFieldName();
      return { name: name, bbox: clampBox(bbox), type: "text", charset: "", required: false, engine: "both",
        width: "", kansuji: false, review_threshold: 80, csv_column: name };
    }

    /* ---- undo / redo ----------------------------------------------------------------------------------- */
    function snapshot() {
      return { json: JSON.stringify(fields), sel: sel.map(function (f) { return fields.indexOf(f); }) };
    }
    function flushProp() {
      if (!propBefore) return;
      const before = propBefore;
      propBefore = snapshot();
      if (before.json !== propBefore.json) record(before);
    }
    function record(state, key) {
      const now = Date.now();
      if (key && key === lastKey && now - lastTime < 1000) { lastTime = now; return; }  // coalesce key repeats
      lastKey = key || null;
      lastTime = now;
      undoStack.push(state);
      if (undoStack.length > HISTORY_MAX) undoStack.shift();
      redoStack = [];
    }
    function checkpoint(key) {
      flushProp();
      record(snapshot(), key);
    }
    function restore(state) {
      fields = JSON.parse(state.json);
      sel = state.sel.map(function (i) { return fields[i]; }).filter(Boolean);
      lastKey = null;
      propBefore = null;
      changed();
    }
    function undo() {
      flushProp();
      if (!undoStack.length) return;
      redoStack.push(snapshot());
      restore(undoStack.pop());
      announce("元に戻しました。");
    }
    function redo() {
      if (!redoStack.length) return;
      undoStack.push(snapshot());
      restore(redoStack.pop());
      announce("やり直しました。");
    }

    /* ---- geometry ------------------------------------------------------------------------------------ */
    function fitScale() {
      const avail = viewport.clientWidth;
      return avail > 0 && W > 0 ? avail / W : 0.5;
    }
    function layout(keepCenter) {
      const old = scale;
      let cx = 0, cy = 0;
      if (keepCenter && old > 0) {
        cx = (viewport.scrollLeft + viewport.clientWidth / 2) / old;
        cy = (viewport.scrollTop + viewport.clientHeight / 2) / old;
      }
      scale = zoom === "fit" ? fitScale() : zoom;
      if (W > 0 && H > 0) {
        stage.style.width = Math.floor(W * scale * 100) / 100 + "px";   // floor: never a stray scrollbar at fit
        stage.style.height = Math.floor(H * scale * 100) / 100 + "px";
      }
      zoomLabel.textContent = Math.round(scale * 100) + "%";
      root.classList.toggle("is-fit", zoom === "fit");
      buttons["zoom-in"].disabled = scale >= ZOOMS[ZOOMS.length - 1] - 0.001;
      buttons["zoom-out"].disabled = scale <= ZOOMS[0] + 0.001;
      if (keepCenter) {
        viewport.scrollLeft = cx * scale - viewport.clientWidth / 2;
        viewport.scrollTop = cy * scale - viewport.clientHeight / 2;
      }
      renderBoxes();
    }
    function setZoom(z) {
      zoom = z === "fit" ? "fit" : clamp(Number(z) || 1, ZOOMS[0], ZOOMS[ZOOMS.length - 1]);
      layout(true);
    }
    function zoomStep(dir) {
      const cur = scale;
      const next = dir > 0 ? ZOOMS.find(function (z) { return z > cur + 0.001; })
        : ZOOMS.slice().reverse().find(function (z) { return z < cur - 0.001; });
      if (next) setZoom(next);
    }
    function toTemplate(ev) {
      const r = stage.getBoundingClientRect();
      return { x: (ev.clientX - r.left) * W / r.width, y: (ev.clientY - r.top) * H / r.height };
    }
    function pct(v, total) { return (v / total * 100).toFixed(4) + "%"; }
    function place(el, b) {
      el.style.left = pct(b[0], W);
      el.style.top = pct(b[1], H);
      el.style.width = pct(b[2], W);
      el.style.height = pct(b[3], H);
    }
    function scrollBoxIntoView(f) {
      const pad = 24;
      const x = f.bbox[0] * scale, y = f.bbox[1] * scale, w = f.bbox[2] * scale, h = f.bbox[3] * scale;
      const vw = viewport.clientWidth, vh = viewport.clientHeight;
      if (x < viewport.scrollLeft || x + w > viewport.scrollLeft + vw) viewport.scrollLeft = x - Math.max(pad, (vw - w) / 2);
      if (y - pad < viewport.scrollTop || y + h > viewport.scrollTop + vh) viewport.scrollTop = y - Math.max(pad, (vh - h) / 2);
    }

    /* ---- rendering ------------------------------------------------------------------------------------- */
    function errorFor(f, key) {
      return errors.find(function (e) { return e.field === f && (!key || e.key === key); });
    }
    function renderBoxes() {
      while (boxEls.length < fields.length) {
        const box = document.createElement("div");
        box.className = "ocr-box";
        box.innerHTML = '<span class="ocr-box__label"><span class="ocr-box__no"></span><span class="ocr-box__name"></span></span>' +
          HANDLES.map(function (h) {
            return '<span class="ocr-handle ocr-handle--' + h + '" data-handle="' + h + '" title="' + HANDLE_LABELS[h] + 'をドラッグしてサイズを変更"></span>';
          }).join("");
        boxLayer.appendChild(box);
        boxEls.push(box);
      }
      while (boxEls.length > fields.length) boxLayer.removeChild(boxEls.pop());
      const order = fields.map(function (f, i) { return i; })
        .sort(function (a, b) { return fields[b].bbox[2] * fields[b].bbox[3] - fields[a].bbox[2] * fields[a].bbox[3]; });
      const rank = [];
      order.forEach(function (i, r) { rank[i] = r + 1; });
      fields.forEach(function (f, i) {
        const box = boxEls[i];
        const s = sel.indexOf(f);
        box.setAttribute("data-field-index", String(i));
        place(box, f.bbox);
        box.classList.toggle("is-selected", s >= 0);
        box.classList.toggle("is-reference", s === 0 && sel.length > 1);
        box.classList.toggle("is-single", s === 0 && sel.length === 1);
        box.classList.toggle("has-error", !!errorFor(f));
        box.classList.toggle("is-label-inside", f.bbox[1] * scale < 22);
        box.style.zIndex = String(rank[i] + (s >= 0 ? 10000 : 0));
        box.querySelector(".ocr-box__no").textContent = String(i + 1);
        box.querySelector(".ocr-box__name").textContent = f.name || "（名前なし）";
        box.title = (i + 1) + ". " + (f.name || "（名前なし）") + "（" + labelOf(TYPES, f.type) + "）";
      });
    }
    function renderList() {
      while (rowEls.length < fields.length) {
        const tr = document.createElement("tr");
        tr.innerHTML = '<td class="num ocr-list__no"></td><td class="ocr-list__name"><button type="button" class="ocr-list__select"></button></td><td class="ocr-list__type"></td>';
        listBody.appendChild(tr);
        rowEls.push(tr);
      }
      while (rowEls.length > fields.length) listBody.removeChild(rowEls.pop());
      fields.forEach(function (f, i) {
        const tr = rowEls[i];
        const on = sel.indexOf(f) >= 0;
        tr.setAttribute("data-field-index", String(i));
        tr.classList.toggle("is-selected", on);
        tr.classList.toggle("has-error", !!errorFor(f));
        tr.cells[0].textContent = String(i + 1);
        const b = tr.cells[1].firstChild;
        b.textContent = f.name || "（名前なし）";
        b.setAttribute("aria-pressed", on ? "true" : "false");
        b.setAttribute("title", (f.name || "（名前なし）") + " を選択（Shift+クリックで追加）");
        tr.cells[2].textContent = labelOf(TYPES, f.type, true);
      });
      listEmpty.hidden = fields.length > 0;
      count.textContent = fields.length + "件";
    }
    function setValue(input, value) {
      if (document.activeElement === input) return;   // never fight the user's typing
      if (input.type === "checkbox") { input.checked = !!value; return; }
      if (input.tagName === "SELECT" && value != null &&
          !Array.prototype.some.call(input.options, function (o) { return o.value === String(value); })) {
        const o = document.createElement("option");        // a value from a newer version: keep it selectable
        o.value = String(value);
        o.textContent = String(value);
        input.appendChild(o);
      }
      input.value = value == null ? "" : String(value);
    }
    function renderProps() {
      const f = sel.length === 1 ? sel[0] : null;
      propsEmpty.hidden = sel.length !== 0;
      propsMulti.hidden = sel.length < 2;
      propsForm.hidden = !f;
      if (sel.length > 1) {
        propsMulti.innerHTML = "<p><strong>" + sel.length + "件の読取範囲を選択しています。</strong></p>" +
          '<p class="help">左揃え・上揃え・幅を揃える・高さを揃えるは、最初に選択した「' + esc(sel[0].name || "（名前なし）") +
          "」（太枠）に合わせます。矢印キーでまとめて移動できます。</p>";
      }
      if (!f) { propsTitle.textContent = "項目の設定"; return; }
      const i = fields.indexOf(f);
      propsTitle.textContent = "項目の設定（No." + (i + 1) + "）";
      ["name", "type", "charset", "required", "engine", "width", "kansuji", "review_threshold"].forEach(function (k) {
        setValue(inputs[k], f[k]);
      });
      setValue(inputs.csv_column, f.csv_column);
      inputs.csv_column.placeholder = f.name || "";
      setValue(inputs.x, f.bbox[0]);
      setValue(inputs.y, f.bbox[1]);
      setValue(inputs.w, f.bbox[2]);
      setValue(inputs.h, f.bbox[3]);
      inputs.x.max = String(W - f.bbox[2]);
      inputs.y.max = String(H - f.bbox[3]);
      inputs.w.max = String(W - f.bbox[0]);
      inputs.h.max = String(H - f.bbox[1]);
      inputs.w.min = inputs.h.min = String(MIN);
      ["name", "csv_column"].forEach(function (k) {
        const e = errorFor(f, k);
        const slot = q("#ocr-prop-" + k + "-error");
        slot.hidden = !e;
        slot.textContent = e ? e.message : "";
        if (e) inputs[k].setAttribute("aria-invalid", "true"); else inputs[k].removeAttribute("aria-invalid");
      });
    }
    function renderToolbar() {
      const n = sel.length;
      buttons.duplicate.disabled = n === 0;
      buttons["delete"].disabled = n === 0;
      ["align-left", "align-top", "same-width", "same-height"].forEach(function (a) { buttons[a].disabled = n < 2; });
      const i = n === 1 ? fields.indexOf(sel[0]) : -1;
      buttons["move-up"].disabled = i <= 0;
      buttons["move-down"].disabled = i < 0 || i >= fields.length - 1;
      buttons.undo.disabled = undoStack.length === 0 && !(propBefore && propBefore.json !== JSON.stringify(fields));
      buttons.redo.disabled = redoStack.length === 0;
      buttons.add.disabled = !(W > 0 && H > 0);
      if (n === 1) {
        const b = sel[0].bbox;
        selLabel.textContent = "選択: " + (sel[0].name || "（名前なし）") + "　x " + b[0] + ", y " + b[1] + "　" + b[2] + " × " + b[3] + " px";
      } else {
        selLabel.textContent = n > 1 ? "選択: " + n + "件" : "";
      }
    }
    function renderErrors() {
      errorBox.hidden = errors.length === 0;
      errorList.innerHTML = "";
      errors.forEach(function (e) {
        const li = document.createElement("li");
        if (e.field) {
          const a = document.createElement("button");
          a.type = "button";
          a.className = "ocr-errors__link";
          a.textContent = e.summary;
          a.addEventListener("click", function () { focusError(e); });
          li.appendChild(a);
        } else {
          li.textContent = e.summary;
        }
        errorList.appendChild(li);
      });
    }
    function render() {
      if (validated) errors = validate();
      renderBoxes();
      renderList();
      renderProps();
      renderToolbar();
      renderErrors();
    }
    function changed() {
      render();
      sync();
    }
    function announce(text) {
      live.textContent = "";
      window.setTimeout(function () { live.textContent = text; }, 30);
    }

    /* ---- validation ----------------------------------------------------------------------------------- */
    function validate() {
      const out = [];
      if (!fields.length) {
        const m = "読取範囲が1つもありません。画像の上をドラッグして、読み取る範囲を作成してください。";
        out.push({ field: null, key: null, message: m, summary: m });
      }
      const names = new Set(), cols = new Set();
      fields.forEach(function (f, i) {
        const no = "No." + (i + 1) + ": ";
        const name = String(f.name || "").trim();
        let nameBad = false;
        if (!name) {
          const m = "項目名を入力してください。";
          out.push({ field: f, key: "name", message: m, summary: no + m });
          nameBad = true;
        } else if (names.has(name)) {
          const m = "項目名「" + name + "」が重複しています。";
          out.push({ field: f, key: "name", message: m, summary: no + m });
          nameBad = true;
        }
        names.add(name);
        const explicit = String(f.csv_column || "").trim();
        const col = csvOf(f);
        if (col && cols.has(col) && !(nameBad && !explicit)) {
          const m = "CSV列名「" + col + "」が重複しています。";
          out.push({ field: f, key: "csv_column", message: m, summary: no + m });
        }
        if (col) cols.add(col);
      });
      return out;
    }
    function focusError(e) {
      if (!e.field) { stage.focus(); return; }
      sel = [e.field];
      render();
      scrollBoxIntoView(e.field);
      const input = inputs[e.key] || inputs.name;
      input.focus();
      if (input.select) input.select();
    }

    /* ---- selection & commands -------------------------------------------------------------------------- */
    function select(list, opts) {
      sel = list.filter(Boolean);
      render();
      if (opts && opts.scroll && sel.length) scrollBoxIntoView(sel[sel.length - 1]);
      if (sel.length === 1) scrollRowIntoView(sel[0]);
    }
    function scrollRowIntoView(f) {
      const tr = rowEls[fields.indexOf(f)];
      if (!tr) return;
      const top = tr.offsetTop, bottom = top + tr.offsetHeight, head = listWrap.querySelector("thead").offsetHeight;
      if (top - head < listWrap.scrollTop) listWrap.scrollTop = top - head;
      else if (bottom > listWrap.scrollTop + listWrap.clientHeight) listWrap.scrollTop = bottom - listWrap.clientHeight;
    }
    function toggle(f) {
      const i = sel.indexOf(f);
      if (i >= 0) sel.splice(i, 1); else sel.push(f);
    }
    function focusName() {
      inputs.name.focus();
      inputs.name.select();
    }
    function addAtView() {
      if (!(W > 0 && H > 0)) return;
      checkpoint();
      const w = Math.min(240, W), h = Math.min(48, H);
      const cx = (viewport.scrollLeft + viewport.clientWidth / 2) / scale;
      const cy = (viewport.scrollTop + Math.min(viewport.clientHeight, H * scale) / 2) / scale;
      const f = makeField([cx - w / 2, cy - h / 2, w, h]);
      fields.push(f);
      sel = [f];
      changed();
      announce("「" + f.name + "」を追加しました。");
      focusName();
    }
    function duplicate() {
      if (!sel.length) return;
      checkpoint();
      const names = new Set(fields.map(function (f) { return f.name; }));
      const cols = new Set(fields.map(csvOf));
      const sources = sel.slice().sort(function (a, b) { return fields.indexOf(a) - fields.indexOf(b); });
      let at = fields.indexOf(sources[sources.length - 1]) + 1;
      const copies = sources.map(function (src) {
        const c = JSON.parse(JSON.stringify(src));
        c.name = uniqueName(copyBase(src.name || "項目"), names);
        names.add(c.name);
        const linked = !String(src.csv_column || "").trim() || src.csv_column === src.name;
        c.csv_column = linked && !cols.has(c.name) ? c.name : uniqueName(copyBase(csvOf(src)), cols);
        cols.add(c.csv_column);
        c.bbox = clampBox([src.bbox[0], src.bbox[1] + 10, src.bbox[2], src.bbox[3]]);
        return c;
      });
      fields.splice.apply(fields, [at, 0].concat(copies));
      sel = copies;
      changed();
      announce(copies.length + "件を複製しました。");
    }
    function remove() {
      if (!sel.length) return;
      checkpoint();
      const n = sel.length, name = sel[0].name;
      fields = fields.filter(function (f) { return sel.indexOf(f) < 0; });
      sel = [];
      changed();
      announce(n === 1 ? "「" + name + "」を削除しました。" : n + "件を削除しました。");
    }
    function align(kind) {
      if (sel.length < 2) return;
      checkpoint();
      const ref = sel[0].bbox;
      sel.slice(1).forEach(function (f) {
        const b = f.bbox.slice();
        if (kind === "align-left") b[0] = ref[0];
        if (kind === "align-top") b[1] = ref[1];
        if (kind === "same-width") b[2] = ref[2];
        if (kind === "same-height") b[3] = ref[3];
        f.bbox = clampBox(b);
      });
      changed();
      announce({ "align-left": "左端を揃えました。", "align-top": "上端を揃えました。",
        "same-width": "幅を揃えました。", "same-height": "高さを揃えました。" }[kind]);
    }
    function moveInList(dir) {
      if (sel.length !== 1) return;
      const i = fields.indexOf(sel[0]), j = i + dir;
      if (i < 0 || j < 0 || j >= fields.length) return;
      checkpoint();
      const t = fields[i];
      fields[i] = fields[j];
      fields[j] = t;
      changed();
      scrollRowIntoView(t);
      announce("「" + t.name + "」を" + (j + 1) + "番目に移しました。");
    }
    function groupBounds(list, bboxOf) {
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      list.forEach(function (f) {
        const b = bboxOf(f);
        x0 = Math.min(x0, b[0]); y0 = Math.min(y0, b[1]);
        x1 = Math.max(x1, b[0] + b[2]); y1 = Math.max(y1, b[1] + b[3]);
      });
      return [x0, y0, x1, y1];
    }
    function nudge(dx, dy) {
      if (!sel.length) return;
      const g = groupBounds(sel, function (f) { return f.bbox; });
      dx = clamp(dx, -g[0], W - g[2]);
      dy = clamp(dy, -g[1], H - g[3]);
      if (!dx && !dy) return;
      checkpoint("nudge");
      sel.forEach(function (f) { f.bbox = [f.bbox[0] + dx, f.bbox[1] + dy, f.bbox[2], f.bbox[3]]; });
      changed();
    }

    root.querySelector(".ocr-toolbar").addEventListener("click", onAction);
    root.querySelector(".ocr-list-actions").addEventListener("click", onAction);
    function onAction(ev) {
      const b = ev.target.closest("[data-action]");
      if (!b || b.disabled) return;
      const a = b.getAttribute("data-action");
      if (a === "add") addAtView();
      else if (a === "duplicate") duplicate();
      else if (a === "delete") { remove(); stage.focus({ preventScroll: true }); }
      else if (a === "undo") undo();
      else if (a === "redo") redo();
      else if (a === "zoom-in") zoomStep(1);
      else if (a === "zoom-out") zoomStep(-1);
      else if (a === "zoom-fit") setZoom("fit");
      else if (a === "zoom-100") setZoom(1);
      else if (a === "move-up") moveInList(-1);
      else if (a === "move-down") moveInList(1);
      else align(a);
      if (b.disabled) stage.focus({ preventScroll: true });   // the button just turned itself off
    }

    listBody.addEventListener("click", function (ev) {
      const tr = ev.target.closest("tr");
      if (!tr) return;
      const f = fields[parseInt(tr.getAttribute("data-field-index"), 10)];
      if (!f) return;
      if (ev.shiftKey || ev.ctrlKey || ev.metaKey) { toggle(f); select(sel, { scroll: true }); }
      else select([f], { scroll: true });
    });
    listBody.addEventListener("dblclick", function (ev) { if (ev.target.closest("tr") && sel.length === 1) focusName(); });

    /* ---- property form --------------------------------------------------------------------------------- */
    function setProp(key, input) {
      const f = sel.length === 1 ? sel[0] : null;
      if (!f) return;
      if (key === "required" || key === "kansuji") {
        f[key] = input.checked;
      } else if (key === "x" || key === "y" || key === "w" || key === "h") {
        const n = parseInt(input.value, 10);
        if (!isFinite(n)) return;
        const b = f.bbox.slice();
        if (key === "x") b[0] = clamp(n, 0, W - b[2]);
        if (key === "y") b[1] = clamp(n, 0, H - b[3]);
        if (key === "w") b[2] = clamp(n, MIN, W - b[0]);
        if (key === "h") b[3] = clamp(n, MIN, H - b[1]);
        f.bbox = clampBox(b);
      } else if (key === "review_threshold") {
        const n = parseInt(input.value, 10);
        if (!isFinite(n)) return;
        f.review_threshold = clamp(n, 0, 100);
      } else if (key === "name") {
        const old = f.name;
        f.name = input.value;
        if (f.csv_column === old) f.csv_column = f.name;    // the CSV column follows the name until set apart
      } else {
        f[key] = input.value;
      }
      changed();
    }
    Object.keys(inputs).forEach(function (key) {
      const input = inputs[key];
      const live = input.tagName === "INPUT" && input.type !== "checkbox";
      if (live) input.addEventListener("input", function () { setProp(key, input); });
      input.addEventListener("change", function () {
        if (!live) setProp(key, input);
        const f = sel.length === 1 ? sel[0] : null;
        if (f && (key === "name" || key === "csv_column" || key === "charset")) {
          const trimmed = key === "charset" ? input.value : input.value.trim();
          if (key === "name" && f.csv_column === f.name) f.csv_column = trimmed;
          f[key] = trimmed;
        }
        flushProp();
        changed();
        if (f && live) {                              // show the normalised value, even in the focused input
          const idx = { x: 0, y: 1, w: 2, h: 3 }[key];
          const value = String(idx === undefined ? f[key] : f.bbox[idx]);
          if (input.value !== value) input.value = value;
        }
      });
      input.addEventListener("focus", function () { propBefore = snapshot(); });
      input.addEventListener("blur", function () { flushProp(); propBefore = null; renderToolbar(); });
    });
    propsForm.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && ev.target.tagName === "INPUT" && !ev.isComposing) {
        ev.preventDefault();                          // Enter must not submit the whole definition
        ev.target.dispatchEvent(new Event("change", { bubbles: true }));
      } else if (ev.key === "Escape") {
        ev.preventDefault();
        stage.focus({ preventScroll: true });
      }
    });

    /* ---- mouse / pen on the stage ----------------------------------------------------------------------- */
    function showPos(p) {
      posLabel.textContent = "位置 x " + Math.round(clamp(p.x, 0, W)) + ", y " + Math.round(clamp(p.y, 0, H)) + " px";
    }
    function draftBox(d, p) {
      const x1 = clamp(p.x, 0, W), y1 = clamp(p.y, 0, H);
      const x = Math.round(Math.min(d.x0, x1)), y = Math.round(Math.min(d.y0, y1));
      return [x, y, Math.round(Math.max(d.x0, x1)) - x, Math.round(Math.max(d.y0, y1)) - y];
    }
    stage.addEventListener("pointerdown", function (ev) {
      if (ev.button !== 0 || !(W > 0 && H > 0) || drag) return;
      ev.preventDefault();
      if (document.activeElement !== stage) stage.focus({ preventScroll: true });
      const p = toTemplate(ev);
      const handle = ev.target.closest(".ocr-handle");
      const boxEl = ev.target.closest(".ocr-box");
      const additive = ev.shiftKey || ev.ctrlKey || ev.metaKey;
      const before = snapshot();
      if (handle && boxEl && sel.length === 1) {
        const f = fields[parseInt(boxEl.getAttribute("data-field-index"), 10)];
        drag = { mode: "resize", handle: handle.getAttribute("data-handle"), field: f, orig: f.bbox.slice(), p0: p, before: before };
        root.classList.add("is-resizing");
      } else if (boxEl && !ev.altKey) {
        const f = fields[parseInt(boxEl.getAttribute("data-field-index"), 10)];
        if (additive) {
          toggle(f);
          render();
          if (sel.indexOf(f) < 0) return;
        } else if (sel.indexOf(f) < 0) {
          sel = [f];
          render();
          scrollRowIntoView(f);
        }
        const orig = new Map();
        sel.forEach(function (s) { orig.set(s, s.bbox.slice()); });
        drag = { mode: "move", field: f, orig: orig, p0: p, cx: ev.clientX, cy: ev.clientY, moved: false, additive: additive, before: before };
      } else {
        drag = { mode: "draw", x0: clamp(p.x, 0, W), y0: clamp(p.y, 0, H), additive: additive, before: before };
      }
      try { stage.setPointerCapture(ev.pointerId); } catch (e) { /* synthetic events */ }
    });
    stage.addEventListener("pointermove", function (ev) {
      const p = toTemplate(ev);
      showPos(p);
      if (!drag) return;
      if (drag.mode === "draw") {
        const b = draftBox(drag, p);
        draft.hidden = false;
        place(draft, b);
        draftSize.textContent = b[2] + " × " + b[3];
        draft.classList.toggle("is-too-small", b[2] < MIN || b[3] < MIN);
      } else if (drag.mode === "move") {
        if (!drag.moved && Math.abs(ev.clientX - drag.cx) < DRAG_START && Math.abs(ev.clientY - drag.cy) < DRAG_START) return;
        drag.moved = true;
        root.classList.add("is-moving");
        const g = groupBounds(sel, function (f) { return drag.orig.get(f); });
        const dx = clamp(Math.round(p.x - drag.p0.x), -g[0], W - g[2]);
        const dy = clamp(Math.round(p.y - drag.p0.y), -g[1], H - g[3]);
        sel.forEach(function (f) {
          const o = drag.orig.get(f);
          f.bbox = [o[0] + dx, o[1] + dy, o[2], o[3]];
        });
        changed();
      } else if (drag.mode === "resize") {
        const o = drag.orig, h = drag.handle;
        let l = o[0], t = o[1], r = o[0] + o[2], btm = o[1] + o[3];
        const dx = p.x - drag.p0.x, dy = p.y - drag.p0.y;
        if (h.indexOf("w") >= 0) l = clamp(Math.round(o[0] + dx), 0, r - MIN);
        if (h.indexOf("e") >= 0) r = clamp(Math.round(r + dx), l + MIN, W);
        if (h.indexOf("n") >= 0) t = clamp(Math.round(o[1] + dy), 0, btm - MIN);
        if (h.indexOf("s") >= 0) btm = clamp(Math.round(btm + dy), t + MIN, H);
        drag.field.bbox = [l, t, r - l, btm - t];
        changed();
      }
    });
    function endDrag(ev, cancelled) {
      if (!drag) return;
      const d = drag;
      drag = null;
      draft.hidden = true;
      root.classList.remove("is-moving", "is-resizing");
      if (cancelled) {
        const now = snapshot();
        if (now.json !== d.before.json) restore(d.before);
        return;
      }
      if (d.mode === "draw") {
        const b = draftBox(d, toTemplate(ev));
        if (b[2] >= MIN && b[3] >= MIN) {
          record(d.before);
          const f = makeField(b);
          fields.push(f);
          sel = [f];
          changed();
          scrollRowIntoView(f);
          announce("読取範囲「" + f.name + "」を作成しました。名前を入力してください。");
          focusName();
        } else if (!d.additive && sel.length) {
          select([]);
        }
      } else if (d.mode === "move") {
        if (d.moved) {
          if (JSON.stringify(fields) !== d.before.json) record(d.before);
        } else if (!d.additive && sel.length > 1) {
          select([d.field]);                          // a plain click inside a multi-selection picks that one
        }
        renderToolbar();
      } else if (d.mode === "resize") {
        if (JSON.stringify(fields) !== d.before.json) record(d.before);
        renderToolbar();
      }
    }
    stage.addEventListener("pointerup", function (ev) { endDrag(ev, false); });
    stage.addEventListener("pointercancel", function (ev) { endDrag(ev, true); });
    stage.addEventListener("pointerleave", function () { if (!drag) posLabel.textContent = "位置 —"; });
    stage.addEventListener("dblclick", function (ev) {
      if (ev.target.closest(".ocr-box") && sel.length === 1) focusName();
    });
    viewport.addEventListener("wheel", function (ev) {
      if (!(ev.ctrlKey || ev.metaKey)) return;
      ev.preventDefault();
      zoomStep(ev.deltaY < 0 ? 1 : -1);
    }, { passive: false });

    /* ---- keyboard --------------------------------------------------------------------------------------- */
    document.addEventListener("keydown", function (ev) {
      const t = ev.target;
      const inEditor = root.contains(t) || t === document.body || t === document.documentElement;
      if (!inEditor || ev.defaultPrevented || ev.isComposing) return;
      const typing = isTyping(t);
      const mod = ev.ctrlKey || ev.metaKey;
      const key = ev.key;
      if (key === "Escape" && drag) { ev.preventDefault(); endDrag(ev, true); return; }
      if (mod && !ev.altKey && (key === "d" || key === "D")) {
        if (!sel.length) return;
        ev.preventDefault();                          // not the browser's bookmark
        duplicate();
        return;
      }
      if (typing) return;
      if (mod && !ev.altKey && (key === "z" || key === "Z")) { ev.preventDefault(); if (ev.shiftKey) redo(); else undo(); return; }
      if (mod && !ev.altKey && (key === "y" || key === "Y")) { ev.preventDefault(); redo(); return; }
      if (mod && (key === "a" || key === "A") && t === stage) { ev.preventDefault(); select(fields.slice()); return; }
      if (mod || ev.altKey) return;
      if (key === "Delete" || key === "Backspace") {
        if (!sel.length) return;
        ev.preventDefault();
        remove();
        if (!root.contains(document.activeElement) || document.activeElement.disabled) stage.focus({ preventScroll: true });
        return;
      }
      const step = ev.shiftKey ? 10 : 1;
      const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      if (moves[key] && sel.length) {
        ev.preventDefault();
        nudge(moves[key][0], moves[key][1]);
        return;
      }
      if (key === "Escape" && t === stage && sel.length) { ev.preventDefault(); select([]); return; }
      if (key === "Enter" && t === stage && sel.length === 1) { ev.preventDefault(); focusName(); }
    });

    /* ---- submit ------------------------------------------------------------------------------------------ */
    if (form) {
      form.addEventListener("submit", function (ev) {
        fields.forEach(function (f) {
          const trimmed = String(f.name || "").trim();
          if (f.csv_column === f.name) f.csv_column = trimmed;
          f.name = trimmed;
          f.csv_column = String(f.csv_column || "").trim();
        });
        validated = true;
        errors = validate();
        changed();
        if (errors.length) {
          ev.preventDefault();
          ev.stopImmediatePropagation();
          announce("保存できません。" + errors[0].summary);
          focusError(errors[0]);
          if (!errors[0].field) errorBox.focus();
        }
      });
    }

    /* ---- image -------------------------------------------------------------------------------------------- */
    function showStageMessage(text) {
      stageMessage.hidden = !text;
      stageMessage.textContent = text || "";
    }
    image.addEventListener("load", function () {
      if (!(W > 0 && H > 0)) {                      // no data-width/height: take them from the image
        W = image.naturalWidth;
        H = image.naturalHeight;
        layout(false);
        changed();
      }
      showStageMessage("");
    });
    image.addEventListener("error", function () {
      showStageMessage("帳票画像を読み込めませんでした。読取範囲の編集はできますが、位置を確かめるには画像が必要です。");
    });
    if (imageUrl) image.src = imageUrl;
    else showStageMessage("帳票画像がありません。先に白紙の帳票画像をアップロードしてください。");

    if (window.ResizeObserver) {
      let lastWidth = 0;
      new ResizeObserver(function () {
        if (viewport.clientWidth !== lastWidth) {
          lastWidth = viewport.clientWidth;
          if (zoom === "fit") layout(false);
        }
      }).observe(viewport);
    } else {
      window.addEventListener("resize", function () { if (zoom === "fit") layout(false); });
    }

    load();
    layout(false);
    changed();

    root.ocrEditor = {
      getFields: function () { return JSON.parse(serialise()); },
      validate: function () { return validate().map(function (e) { return e.summary; }); },
      select: function (indices) { select((indices || []).map(function (i) { return fields[i]; })); },
      setZoom: setZoom
    };
  }

  function start() {
    const root = document.getElementById("ocr-editor");
    if (root && !root.ocrEditor) initEditor(root);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
