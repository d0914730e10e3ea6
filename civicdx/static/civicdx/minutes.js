/* AI議事録 editor: click-to-play, playback speed, line
 * editing with keyboard shortcuts, speaker change, and the measured editing time (active time only). */
(function () {
  "use strict";

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  /* Editor ---------------------------------------------------------------------------------------- */
  function clock(s) {
    s = Math.max(0, Math.floor(s));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var mm = (m < 10 ? "0" : "") + m, ss = (sec < 10 ? "0" : "") + sec;
    return h ? h + ":" + mm + ":" + ss : mm + ":" + ss;
  }

  function initEditor(root) {
    var editable = root.getAttribute("data-editable") === "1";
    var segmentUrl = root.getAttribute("data-segment-url");
    var timeUrl = root.getAttribute("data-time-url");
    var audio = document.getElementById("minutes-audio");
    var lines = Array.prototype.slice.call(root.querySelectorAll(".minutes-line"));
    var toggle = document.getElementById("play-toggle");
    var seek = document.getElementById("play-seek");
    var timeLabel = document.getElementById("play-time");
    var rate = document.getElementById("play-rate");
    var current = null;

    /* active editing time: seconds in which the tab is visible and the user acted in the last 60 s */
    var lastAction = 0, pending = 0;
    function acted() { lastAction = Date.now(); }
    ["keydown", "input", "click"].forEach(function (t) { root.addEventListener(t, acted, true); });
    window.setInterval(function () {
      if (editable && document.visibilityState === "visible" && Date.now() - lastAction < 60000) pending += 1;
    }, 1000);
    function takeSeconds() { var s = pending; pending = 0; return s; }
    function flushTime(beacon) {
      if (!editable || pending < 1) return;
      var seconds = takeSeconds();
      if (beacon && navigator.sendBeacon) {
        var fd = new FormData();
        fd.append("seconds", String(seconds));
        fd.append("csrfmiddlewaretoken", csrf());
        navigator.sendBeacon(timeUrl, fd);
        return;
      }
      post(timeUrl, { seconds: seconds }).then(function (data) {
        var el = document.getElementById("editing-minutes");
        if (el && data && data.editing_seconds !== undefined) el.textContent = (data.editing_seconds / 60).toFixed(1);
      }).catch(function () { pending += seconds; });
    }
    window.setInterval(function () { flushTime(false); }, 30000);
    window.addEventListener("pagehide", function () { flushTime(true); });

    function post(url, body) {
      return fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" },
        body: JSON.stringify(body)
      }).then(function (res) {
        return res.json().then(function (data) {
          if (!res.ok) throw new Error(data.message || ("HTTP " + res.status));
          return data;
        });
      });
    }

    function playFrom(line) {
      if (!audio) return;
      audio.currentTime = parseFloat(line.getAttribute("data-start"));
      audio.play();
    }

    function mark(line) {
      if (current === line) return;
      if (current) current.classList.remove("is-current");
      current = line;
      if (line) line.classList.add("is-current");
    }

    if (audio) {
      toggle.addEventListener("click", function () { if (audio.paused) audio.play(); else audio.pause(); });
      audio.addEventListener("play", function () { toggle.textContent = "一時停止"; });
      audio.addEventListener("pause", function () { toggle.textContent = "再生"; });
      rate.addEventListener("change", function () { audio.playbackRate = parseFloat(rate.value); });
      seek.addEventListener("input", function () { audio.currentTime = parseFloat(seek.value); });
      audio.addEventListener("timeupdate", function () {
        var t = audio.currentTime;
        timeLabel.textContent = clock(t);
        if (document.activeElement !== seek) seek.value = String(t);
        var found = null;
        for (var i = 0; i < lines.length; i++) {
          if (parseFloat(lines[i].getAttribute("data-start")) <= t) found = lines[i]; else break;
        }
        if (found && !audio.paused) mark(found);
      });
    }

    function textOf(line) { return line.querySelector(".minutes-line__text"); }

    function saveLine(line, body) {
      var state = line.querySelector(".minutes-line__state");
      state.textContent = "保存中…";
      if (pending >= 1) body.seconds = takeSeconds();
      return post(segmentUrl.replace(/\/0\/$/, "/" + line.getAttribute("data-id") + "/"), body).then(function (data) {
        state.textContent = "保存しました";
        line.classList.remove("is-low");
        if (body.speaker === "new") refreshSpeakers(data.speakers, line, data.segment.speaker);
        line.setAttribute("data-speaker", data.segment.speaker);
        window.setTimeout(function () { state.textContent = ""; }, 2000);
      }).catch(function (err) {
        state.textContent = "保存できませんでした: " + err.message;
        state.classList.add("text-danger");
      });
    }

    function refreshSpeakers(speakers, line, chosen) {
      root.querySelectorAll(".minutes-line__speaker").forEach(function (select) {
        var value = select.closest(".minutes-line") === line ? chosen : select.value;
        while (select.firstChild) select.removeChild(select.firstChild);
        Object.keys(speakers).forEach(function (k) {
          var o = document.createElement("option");
          o.value = k;
          o.textContent = speakers[k];
          select.appendChild(o);
        });
        var n = document.createElement("option");
        n.value = "new";
        n.textContent = "＋ 新しい話者";
        select.appendChild(n);
        select.value = value;
      });
    }

    lines.forEach(function (line, index) {
      line.querySelector(".minutes-line__time").addEventListener("click", function () { mark(line); playFrom(line); });
      var text = textOf(line);
      if (!editable) {
        text.addEventListener("click", function () { mark(line); playFrom(line); });
        return;
      }
      text.setAttribute("data-saved", text.textContent);
      text.addEventListener("focus", function () { mark(line); });
      text.addEventListener("blur", function () {
        var value = text.textContent.replace(/\s*\n\s*/g, " ").trim();
        if (value !== text.getAttribute("data-saved")) {
          text.setAttribute("data-saved", value);
          saveLine(line, { text: value });
        }
      });
      text.addEventListener("keydown", function (e) {
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
          e.preventDefault();
          var next = lines[index + 1];
          if (next) textOf(next).focus(); else text.blur();
        } else if (e.altKey && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
          e.preventDefault();
          var target = lines[index + (e.key === "ArrowDown" ? 1 : -1)];
          if (target) { textOf(target).focus(); playFrom(target); }
        }
      });
      var select = line.querySelector(".minutes-line__speaker");
      select.addEventListener("change", function () { saveLine(line, { speaker: select.value }); });
    });

    document.addEventListener("keydown", function (e) {
      if (!audio) return;
      if (e.ctrlKey && (e.code === "Space" || e.key === " ")) {
        e.preventDefault();
        if (audio.paused) {
          var focused = document.activeElement && document.activeElement.closest && document.activeElement.closest(".minutes-line");
          if (focused && focused !== current) playFrom(focused); else audio.play();
        } else audio.pause();
      } else if (e.altKey && (e.key === "ArrowLeft" || e.key === "ArrowRight")) {
        e.preventDefault();
        audio.currentTime = Math.max(0, audio.currentTime + (e.key === "ArrowLeft" ? -5 : 5));
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var editor = document.getElementById("minutes-editor");
    if (editor) initEditor(editor);
  });
})();
