/* The check-in desk app: works on the device's own copy of the day's list, online or not.
 *
 * The list (people as the desk shows them, SHA-256 hashes of valid badge payloads) is kept in localStorage while a
 * staff member is signed in; it is wiped at sign-out (the server also sends Clear-Site-Data), when the server says
 * the session is gone, and after the meeting's last day. Every check-in gets an id made here and the device's time,
 * waits in a local queue and is synced as soon as the server answers; the server records each id once.
 */
(function () {
  "use strict";

  var PROBE_EVERY_MS = 15000;
  var REFRESH_LIST_EVERY_MS = 5 * 60000;
  var SHOWN = 25;
  var LOG_KEPT = 50;
  // Combining marks that the server's search drops even when no name of the list has them (accents, harakat).
  var COMMON_MARKS = /[\u0300-\u036f\u064b-\u065f\u0670]/g;
  var SEPARATORS = /[\s\-\u2010\u2011\u2013\u2014'\u2019\u02bc`.,;:()/]+/;

  var root, t, key, list = null, queue = [], meta, online = false, signedOut = false, csrf = "", syncing = false;
  var $ = function (id) { return document.getElementById(id); };

  /* ---- Storage ----------------------------------------------------------------------------------------------- */

  function load(name, fallback) {
    try {
      var raw = localStorage.getItem(key + name);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (e) { return fallback; }
  }

  function save(name, value) { localStorage.setItem(key + name, JSON.stringify(value)); }

  function deviceId() {
    var id = localStorage.getItem("mm-desk:device");
    if (!id) {
      id = crypto.randomUUID();
      localStorage.setItem("mm-desk:device", id);
    }
    return id;
  }

  function wipeList(notice) {
    list = null;
    localStorage.removeItem(key + "list");
    meta.in = {};
    meta.collected = {};
    save("meta", meta);
    if (notice) showNotice(notice);
  }

  /* ---- Text and time ----------------------------------------------------------------------------------------- */

  function text(name, values) {
    return (t[name] || name).replace(/\{(\w+)\}/g, function (_, k) { return values && k in values ? values[k] : ""; });
  }

  function zone() { return list ? list.timezone : "UTC"; }

  function clock(iso) {
    return new Intl.DateTimeFormat(document.documentElement.lang || "en",
      { timeZone: zone(), hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(iso));
  }

  function today() { return new Intl.DateTimeFormat("en-CA", { timeZone: zone() }).format(new Date()); }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined && content !== null) node.textContent = content;
    return node;
  }

  function showNotice(message) {
    $("app-notice").textContent = message;
    $("app-notice").hidden = !message;
  }

  /* ---- The state line: online or not, waiting, last sync, how fresh the list is ------------------------------ */

  function render() {
    var network = $("app-network");
    network.textContent = signedOut ? t.signed_out : online ? t.online : t.offline;
    network.className = "app-network " + (signedOut ? "is-signed-out" : online ? "is-online" : "is-offline");
    $("app-waiting").textContent = queue.length === 0 ? t.waiting_none : text("waiting", { n: queue.length });
    $("app-last-sync").textContent = meta.lastSync ? text("last_sync", { time: clock(meta.lastSync) }) : t.never_synced;
    $("app-list-age").textContent = list ? text("list_age", {
      n: list.people.length, time: clock(list.downloaded_at),
      minutes: Math.max(0, Math.round((Date.now() - Date.parse(list.downloaded_at)) / 60000))
    }) : t.no_list;
    $("app-download").disabled = !online;
    $("app-sync").disabled = !online || queue.length === 0;
    renderConflicts();
  }

  function addLog(kind, message, person) {
    meta.log.unshift({ at: new Date().toISOString(), kind: kind, message: message, name: person ? person.name : "" });
    meta.log.length = Math.min(meta.log.length, LOG_KEPT);
    save("meta", meta);
    renderLog();
  }

  function renderLog() {
    var box = $("app-log");
    box.textContent = "";
    meta.log.forEach(function (entry) {
      var item = el("li", "log-" + entry.kind);
      item.appendChild(el("time", null, clock(entry.at)));
      item.appendChild(document.createTextNode(" "));
      if (entry.name) item.appendChild(el("bdi", "log-name", entry.name));
      item.appendChild(el("span", null, " " + entry.message));
      box.appendChild(item);
    });
  }

  function renderConflicts() {
    var box = $("app-conflicts");
    box.textContent = "";
    meta.conflicts.forEach(function (c) {
      var item = el("li", "log-conflict");
      item.appendChild(el("time", null, clock(c.at)));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(el("bdi", "log-name", c.name));
      item.appendChild(el("span", null, " " + c.message));
      box.appendChild(item);
    });
    $("app-conflicts-box").hidden = meta.conflicts.length === 0;
  }

  /* ---- Checking in on the device ----------------------------------------------------------------------------- */

  function person(id) {
    if (!list) return null;
    for (var i = 0; i < list.people.length; i++) if (list.people[i].id === id) return list.people[i];
    return null;
  }

  function inSince(p) {
    var local = meta.in[p.id];
    if (local && local.day === today()) return local.at;
    return p.in_since && list.day === today() ? p.in_since : null;
  }

  function showResult(kind, word, p, message) {
    var box = $("scan-result");
    box.className = "scan-result " + kind;
    box.textContent = "";
    box.dataset.person = p ? String(p.id) : "";
    box.appendChild(el("p", "result-word", word));
    if (p) {
      box.appendChild(el("p", "result-name", p.name));
      if (p.latin) box.appendChild(el("p", "muted", p.latin));
      box.appendChild(el("p", null, [p.category, p.delegation || p.organisation].filter(Boolean).join(" · ")));
      if (!collected(p)) box.appendChild(handOverButton(p));
    }
    if (message) box.appendChild(el("p", "result-message", message));
    if (navigator.vibrate) navigator.vibrate(kind === "result-ok" ? 80 : [200, 100, 200]);
  }

  function collected(p) { return p.collected || Boolean(meta.collected[p.id]); }

  function handOverButton(p) {
    var button = el("button", "button", t.hand_over);
    button.type = "button";
    button.appendChild(el("span", "sr-only", " " + p.name));
    button.addEventListener("click", function () {
      button.remove();
      handOver(p);
    });
    return button;
  }

  function enqueue(item) {
    queue.push(item);
    save("queue", queue);
    render();
    if (online) sync();
  }

  /* A badge handed over after a photo ID check (who and when are recorded at the sync, as at the online desk). */
  function handOver(p) {
    meta.collected[p.id] = true;
    save("meta", meta);
    addLog("waiting", t.handed_over, p);
    enqueue({ id: crypto.randomUUID(), kind: "hand_over", registration: p.id, at: new Date().toISOString(),
              method: "search", id_checked: true });
    showSearch();
  }

  function checkIn(p, method, hash) {
    if (list.days.indexOf(today()) === -1) {
      showResult("result-bad", "✗ " + t.refused, p, t.not_today);
      addLog("refused", t.not_today, p);
      return;
    }
    var since = inSince(p);
    if (since) {
      var already = text("already", { time: clock(since) });
      showResult("result-warn", "! " + already, p);
      addLog("already", already, p);
      return;
    }
    var item = { id: crypto.randomUUID(), registration: p.id, at: new Date().toISOString(), method: method };
    if (hash) item.hash = hash;
    meta.in[p.id] = { at: item.at, day: today() };
    save("meta", meta);
    showResult("result-ok", "✓ " + t.checked_in, p);
    addLog("waiting", t.checked_in, p);
    enqueue(item);
  }

  function sha256(textValue) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(textValue)).then(function (buffer) {
      return Array.prototype.map.call(new Uint8Array(buffer), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    });
  }

  function scanned(payload) {
    if (!list) {
      showResult("result-bad", "✗ " + t.refused, null, t.no_list);
      return null;
    }
    return sha256(payload.trim()).then(function (hash) {
      var refusal = list.refused[hash];
      var id = list.badges[hash];
      var p = id === undefined ? null : person(id);
      if (refusal || !p) {
        var why = t[refusal] || t.unknown;
        showResult("result-bad", "✗ " + t.refused, null, why);
        addLog("refused", why);
        return;
      }
      checkIn(p, "scan", hash);
    });
  }

  /* ---- Search on the device's list (folded as the server's search folds) -------------------------------------- */

  function fold(value) {
    var marks = list.marks || "";
    var folds = list.folds || {};
    var out = "";
    var decomposed = value.toLowerCase().normalize("NFKD").replace(COMMON_MARKS, "");
    for (var i = 0; i < decomposed.length; i++) {
      var ch = decomposed[i];
      if (marks.indexOf(ch) !== -1) continue;
      out += ch in folds ? folds[ch] : ch;
    }
    return out;
  }

  function search(query) {
    var tokens = fold(query).split(SEPARATORS).filter(Boolean);
    if (!tokens.length) return [];
    return list.people.filter(function (p) {
      return tokens.every(function (token) {
        return p.words.some(function (word) { return word.lastIndexOf(token, 0) === 0; });
      });
    }).sort(function (a, b) { return a.name.localeCompare(b.name); });
  }

  function showSearch() {
    var query = $("app-search").value;
    var box = $("app-results");
    var none = $("app-search-none");
    box.textContent = "";
    none.hidden = true;
    if (!list || !query.trim()) return;
    var found = search(query);
    if (!found.length || found.length > SHOWN) {
      none.textContent = found.length ? t.more : t.nobody;
      none.hidden = false;
    }
    found.slice(0, SHOWN).forEach(function (p) {
      var item = el("li", "desk-person");
      var main = item.appendChild(el("div", "desk-person-main"));
      main.appendChild(el("bdi", "desk-person-name", p.name));
      if (p.latin) main.appendChild(el("span", "muted", p.latin));
      main.appendChild(el("span", "desk-person-org", p.delegation || p.organisation));
      var tags = main.appendChild(el("span", "desk-person-tags"));
      if (p.category) tags.appendChild(el("span", "tag", p.category));
      var since = inSince(p);
      tags.appendChild(el("span", since ? "tag tag-ok" : "tag", since ? text("in_since", { time: clock(since) }) : t.not_in));
      if (!collected(p)) tags.appendChild(el("span", "tag tag-warn", t.badge_not_collected));
      if (!collected(p)) item.appendChild(handOverButton(p));
      if (!since) {
        var button = item.appendChild(el("button", "button primary", t.check_in));
        button.type = "button";
        button.appendChild(el("span", "sr-only", " " + p.name));
        button.addEventListener("click", function () { checkIn(p, "search"); showSearch(); });
      }
      box.appendChild(item);
    });
  }

  /* ---- Talking to the server ------------------------------------------------------------------------------- */

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("json") !== -1;
        // Signed out, the server sends the sign-in page (a redirect) or 401/403: the session is gone.
        if (response.redirected || response.status === 401 || response.status === 403 || !json) {
          throw { signedOut: true };
        }
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      });
  }

  function sessionGone() {
    if (!signedOut) {
      signedOut = true;
      wipeList(t.signed_out_notice);
    }
    online = true;
    render();
  }

  function probe() {
    return getJSON(root.dataset.statusUrl)
      .then(function (answer) {
        online = true;
        signedOut = false;
        csrf = answer.data.csrf_token;
        if (list && Date.parse(answer.data.now) >= Date.parse(list.wipe_after)) wipeList(t.list_wiped);
        render();
        if (queue.length) return sync();
      })
      .catch(function (problem) {
        if (problem && problem.signedOut) sessionGone();
        else { online = false; render(); }
      });
  }

  function download() {
    return getJSON(root.dataset.listUrl)
      .then(function (answer) {
        if (!answer.ok) {
          if (list && answer.data && Date.now() >= Date.parse(list.wipe_after)) wipeList(t.list_wiped);
          showNotice(text("list_failed", { message: answer.data.message || "" }));
          return;
        }
        list = answer.data;
        save("list", list);
        showNotice("");
        render();
        showSearch();
      })
      .catch(function (problem) {
        if (problem && problem.signedOut) sessionGone();
        else { online = false; render(); }
      });
  }

  function settle(results) {
    var byId = {};
    results.forEach(function (r) { byId[r.id] = r; });
    queue = queue.filter(function (item) {
      var r = byId[item.id];
      if (!r) return true;
      var p = person(item.registration) || { name: "#" + item.registration };
      var badge = item.kind === "hand_over";
      var shown = $("scan-result").dataset.person === String(item.registration);
      if (shown && r.outcome === "conflict") showResult("result-bad", "✗ " + t.conflict, null, p.name + ": " + r.message);
      else if (shown && !badge) $("scan-result").querySelector(".result-word").textContent = "✓ " + t.checked_in_synced;
      if (r.outcome === "conflict") {
        meta.conflicts.unshift({ at: item.at, name: p.name, message: r.message || t.conflict });
        delete (badge ? meta.collected : meta.in)[item.registration];
        addLog("conflict", t.conflict + ": " + (r.message || ""), p);
      } else if (r.outcome === "already_in") {
        addLog("synced", text(badge ? "hand_over_already" : "synced_already", { time: r.since || "" }), p);
      } else {
        addLog("synced", badge ? t.hand_over_synced : t.synced, p);
      }
      return false;
    });
    save("queue", queue);
    save("meta", meta);
  }

  function sync() {
    if (syncing || !queue.length) return Promise.resolve();
    syncing = true;
    var batch = queue.slice(0, 200);
    return fetch(root.dataset.syncUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ device: deviceId(), items: batch })
    })
      .then(function (response) {
        if (response.redirected || response.status === 401 || response.status === 403) throw { signedOut: true };
        return response.json().then(function (data) {
          if (!response.ok) {
            showNotice(text("sync_failed", { message: data.message || response.status }));
            return false;
          }
          settle(data.results);
          meta.lastSync = data.synced_at;
          save("meta", meta);
          return true;
        });
      })
      .then(function (done) {
        syncing = false;
        online = true;
        render();
        if (done && queue.length) return sync();
        if (done) return download(); // the fresh list knows who came in at the other desks
      }, function (problem) {
        syncing = false;
        if (problem && problem.signedOut) sessionGone();
        else { online = false; render(); }
      });
  }

  /* ---- Sign-out: never lose waiting check-ins silently, and leave nothing behind --------------------------------- */

  function guardSignOut(form) {
    form.addEventListener("submit", function (event) {
      if (queue.length && !window.confirm(text("unsynced_sign_out", { n: queue.length }))) {
        event.preventDefault();
        return;
      }
      Object.keys(localStorage).forEach(function (name) {
        if (name.lastIndexOf("mm-desk:", 0) === 0) localStorage.removeItem(name);
      });
    });
  }

  function start() {
    root = $("desk-app");
    t = JSON.parse(root.dataset.texts);
    key = "mm-desk:" + root.dataset.meeting + ":";
    list = load("list", null);
    queue = load("queue", []);
    meta = load("meta", {});
    ["log", "conflicts"].forEach(function (name) { meta[name] = meta[name] || []; });
    ["in", "collected"].forEach(function (name) { meta[name] = meta[name] || {}; });
    online = navigator.onLine;
    if (list && Date.now() >= Date.parse(list.wipe_after)) wipeList(t.list_wiped);
    render();
    renderLog();

    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(root.dataset.workerUrl, { scope: root.dataset.scope }).catch(function () {});
    }
    window.CameraScanner({
      startButton: $("scan-start"), stopButton: $("scan-stop"), camera: $("scan-camera"), video: $("scan-video"),
      help: $("scan-help"), decoderUrl: root.dataset.decoderUrl, textNocamera: t.no_camera, textScanning: t.scanning,
      onPayload: scanned
    });
    $("app-search").addEventListener("input", showSearch);
    $("app-search-form").addEventListener("submit", function (event) { event.preventDefault(); showSearch(); });
    $("app-download").addEventListener("click", download);
    $("app-sync").addEventListener("click", sync);
    document.querySelectorAll('form[action$="/account/sign-out"]').forEach(guardSignOut);

    window.addEventListener("online", probe);
    window.addEventListener("offline", function () { online = false; render(); });
    setInterval(function () {
      if (list && Date.now() >= Date.parse(list.wipe_after)) wipeList(t.list_wiped);
      if (navigator.onLine) probe(); else { online = false; render(); }
    }, PROBE_EVERY_MS);
    setInterval(function () { if (online && !signedOut) download(); }, REFRESH_LIST_EVERY_MS);
    setInterval(render, 60000); // the list's age moves on

    probe().then(function () {
      if (online && !signedOut && (!list || list.day !== today())) return download();
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
