// The local web page's script: live refresh (periodic fetch) and JSON actions. No libraries, no
// inline code (the Content-Security-Policy forbids it); every text goes in with textContent.
"use strict";

(function () {
  const body = document.body;
  const page = body.dataset.page || "";
  const T = JSON.parse(body.dataset.i18n || "{}");
  const csrfMeta = document.querySelector('meta[name="csrf"]');
  const csrf = csrfMeta ? csrfMeta.content : "";
  const REFRESH_MS = 1000;

  function t(key, fallback) { return T[key] || fallback || key; }
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.from((root || document).querySelectorAll(sel)); }

  function cell(text, cls) {
    const td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    if (cls) td.className = cls;
    return td;
  }
  function fill(tbody, rows, emptyId) {
    if (!tbody) return;
    tbody.replaceChildren(...rows);
    const empty = emptyId && document.getElementById(emptyId);
    if (empty) empty.hidden = rows.length > 0;
  }
  function secs(v) { return Math.floor(Number(v) || 0) + " s"; }
  function statusText(s) { return t("status." + s, s); }

  async function postJSON(url, data) {
    try {
      const res = await fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
        body: JSON.stringify(data),
      });
      const answer = await res.json().catch(() => ({ok: false, error: res.statusText}));
      return res.ok ? answer : {ok: false, error: answer.error || res.statusText};
    } catch (err) {
      return {ok: false, error: t("js.offline", "the box does not answer")};
    }
  }
  function show(el, result, okText) {
    if (!el) return;
    el.textContent = result.ok ? okText : result.error;
    el.className = "result " + (result.ok ? "ok" : "alarm");
  }

  function poll(url, render) {
    let busy = false;
    async function tick() {
      if (busy || document.hidden) return;
      busy = true;
      try {
        const res = await fetch(url, {credentials: "same-origin", cache: "no-store"});
        if (res.status === 401) { window.location.href = "/login"; return; }
        if (res.ok) render(await res.json());
      } catch (err) { /* box restarting: try again next tick */ }
      finally { busy = false; }
    }
    setInterval(tick, REFRESH_MS);
    tick();
  }

  // --- language switch: choosing submits ---------------------------------------------------------
  const lang = $("#language");
  if (lang) lang.addEventListener("change", () => lang.form.submit());

  // --- dashboard -----------------------------------------------------------------------------------
  function portRows(ports) {
    return ports.map((p) => {
      const tr = document.createElement("tr");
      tr.dataset.port = p.port;
      tr.append(cell(p.port), cell(p.kind.toUpperCase()), cell((p.extension + " " + p.name).trim()),
        cell(statusText(p.status), "st st-" + p.status.replace(/ /g, "-")), cell(p.alarm, "alarm"));
      return tr;
    });
  }
  function callRows(calls, selectable, selected) {
    return calls.map((c) => {
      const tr = document.createElement("tr");
      tr.dataset.call = c.call_id;
      if (selectable) {
        const td = document.createElement("td");
        const radio = document.createElement("input");
        radio.type = "radio"; radio.name = "call"; radio.value = c.call_id;
        radio.checked = String(c.call_id) === selected;
        td.append(radio); tr.append(td);
        if (radio.checked) tr.classList.add("chosen");
      }
      tr.append(cell(c.call_id), cell((c.from_number + " " + c.from_name).trim()), cell(c.to));
      if (!selectable) tr.append(cell(t("dir." + c.direction, c.direction)));
      tr.append(cell(statusText(c.state)), cell(secs(c.duration_s)));
      return tr;
    });
  }
  if (page === "dashboard") {
    poll("/api/status", (s) => {
      fill($("#ports-body"), portRows(s.ports));
      fill($("#calls-body"), callRows(s.calls, false), "calls-empty");
      fill($("#trunks-body"), s.trunks.map((tr) => {
        const row = document.createElement("tr");
        row.append(cell(tr.name), cell(statusText(tr.status)), cell(tr.reason, "alarm"));
        return row;
      }), "trunks-empty");
      fill($("#bans-body"), (s.sip_bans || []).map((b) => {
        const row = document.createElement("tr");
        row.append(cell(b.address), cell(t("ban." + b.reason, b.reason)), cell(secs(b.expires_in)));
        return row;
      }), "bans-empty");
      fill($("#parked-body"), s.parked.map((p) => {
        const row = document.createElement("tr");
        row.append(cell(p.slot), cell(p.from_number), cell(secs(p.duration_s)));
        return row;
      }), "parked-empty");
      $("#cpu").textContent = s.system.cpu_percent + " %";
      $("#load").textContent = s.system.load;
      $("#disk").textContent = s.system.disk.percent + " % (" + s.system.disk.free_mb + " MB " + t("js.free", "free") + ")";
    });
  }

  // --- operator panel ----------------------------------------------------------------------------------
  if (page === "operator") {
    let selected = "";
    const tbody = $("#op-calls-body");
    const result = $("#op-result");
    tbody.addEventListener("click", (ev) => {
      const tr = ev.target.closest("tr");
      if (!tr) return;
      selected = tr.dataset.call;
      $$("tr", tbody).forEach((r) => r.classList.toggle("chosen", r === tr));
      const radio = $("input", tr);
      if (radio) radio.checked = true;
    });
    poll("/api/status", (s) => {
      if (!s.calls.some((c) => String(c.call_id) === selected)) selected = "";
      fill(tbody, callRows(s.calls, true, selected), "op-calls-empty");
    });
    const dialog = $("#number-dialog");
    function askNumber() {
      return new Promise((resolve) => {
        const input = $("#number-dialog-input");
        input.value = "";
        dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok" ? input.value.trim() : ""),
          {once: true});
        dialog.showModal();
        input.focus();
      });
    }
    $$("button[data-op]").forEach((btn) => btn.addEventListener("click", async () => {
      let number = $("#op-number").value.trim();
      if (btn.dataset.needsNumber && !number) {
        number = await askNumber();
        if (!number) return;
      }
      const answer = await postJSON("/api/operator", {
        action: btn.dataset.op, call_id: selected || null, number: number,
        line: $("#op-line").value, route: $("#op-route").value,
      });
      show(result, answer, t("op.done", "done") + ": " + t("op.action." + btn.dataset.op, btn.dataset.op));
    }));
  }

  // --- setup wizard: test call ---------------------------------------------------------------------------
  if (page === "setup") {
    const result = $("#test-result");
    $$("[data-test-ring]").forEach((btn) => btn.addEventListener("click", async () => {
      show(result, await postJSON("/api/test-ring", {port: Number(btn.dataset.testRing)}), t("js.ringing", "ringing"));
    }));
    $$("[data-ring-line]").forEach((btn) => btn.addEventListener("click", async () => {
      const answer = await postJSON("/api/ring-line", {port: Number(btn.dataset.ringLine), number: "0301234567"});
      show(result, answer, t("js.line_ringing", "the exchange rings the line"));
    }));
    if ($("#test-ports")) {
      poll("/api/status", (s) => s.ports.forEach((p) => {
        const td = $('[data-status-port="' + p.port + '"]');
        if (td) td.textContent = statusText(p.status);
      }));
    }
    const country = $("#country");
    if (country) country.addEventListener("change", () => {
      const tz = $("#timezone");
      const opt = country.selectedOptions[0];
      if (tz && opt) tz.value = opt.dataset.tz || "";
    });
  }

  // --- virtual board -------------------------------------------------------------------------------------------
  if (page === "board") {
    const result = $("#board-result");
    function renderHandset(h) {
      const card = $('.handset[data-port="' + h.port + '"]');
      if (!card) return;
      const d = (h.display || []).slice(-1)[0];
      $('[data-field="hook"]', card).textContent = h.off_hook ? t("js.off_hook", "off-hook") : t("js.on_hook", "on-hook");
      $('[data-field="ringing"]', card).textContent = h.ringing ? t("js.ringing", "ringing") : "";
      $('[data-field="mwi"]', card).textContent = h.mwi ? t("js.mwi", "message waiting") : "";
      $('[data-field="display"]', card).textContent = d ? (d.number + " " + d.name).trim() : "";
      const hz = h.hearing && h.hearing.frequency_hz;
      $('[data-field="hearing"]', card).textContent = hz ? hz + " Hz" : "";
      card.classList.toggle("ringing", !!h.ringing);
      card.classList.toggle("offhook", !!h.off_hook);
    }
    poll("/api/handsets", (b) => b.handsets.forEach(renderHandset));
    $$(".handset").forEach((card) => {
      const port = Number(card.dataset.port);
      const act = async (action, arg) => {
        const answer = await postJSON("/api/handset", {port: port, action: action, arg: arg || ""});
        if (answer.ok) renderHandset(answer.handset);
        show(result, answer, "FXS " + port + ": " + t("js.handset." + action, action) + (arg ? " " + arg : ""));
      };
      $$("[data-handset]", card).forEach((btn) => btn.addEventListener("click", () => {
        const action = btn.dataset.handset;
        const input = $(".dial-input", card);
        if (action === "press") { act("press", input.value.trim()); input.value = ""; } else { act(action); }
      }));
      $$("[data-key]", card).forEach((btn) => btn.addEventListener("click", () => act("press", btn.dataset.key)));
    });
    $$(".line").forEach((card) => {
      const port = Number(card.dataset.line);
      $$("[data-line-action]", card).forEach((btn) => btn.addEventListener("click", async () => {
        let answer;
        if (btn.dataset.lineAction === "ring") {
          answer = await postJSON("/api/ring-line", {port: port, number: $(".cid-number", card).value.trim(),
            name: $(".cid-name", card).value.trim()});
        } else {
          answer = await postJSON("/api/line-hangup", {port: port});
        }
        show(result, answer, "FXO " + port + ": " + t("js.line." + btn.dataset.lineAction, btn.dataset.lineAction));
      }));
    });
  }
})();
