/* Live meeting page: applies server events in seq order over /ws/meetings/<id>/live/.
 *
 * The page is rendered with the current state and its last seq (#live[data-seq]). This script
 * only updates display regions (lists, tallies, status lines); it never replaces a form, so
 * whatever the user is typing survives every update. Writes go over the socket with a
 * client_id; unacknowledged writes are re-sent after a reconnect with the same client_id, and
 * the server stores them once. Without JavaScript the forms post normally.
 */
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || !("WebSocket" in window)) return;

  var L = JSON.parse(document.getElementById("live-labels").textContent);
  var T = L.text;
  var lastSeq = parseInt(root.dataset.seq || "0", 10);
  var ahead = {}; // seq -> event received before its predecessors
  var pending = {}; // client_id -> {message, form}
  var socket = null;
  var attempt = 0;
  var replayAsked = 0;
  var connection = document.getElementById("live-connection");

  function setConnection(state) {
    connection.dataset.state = state;
    connection.textContent = T[state] || state;
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- connection ------------------------------------------------------------------------

  function connect() {
    setConnection(attempt ? "reconnecting" : "connecting");
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.wsPath);
    socket.onopen = function () {
      attempt = 0;
      socket.send(JSON.stringify({ type: "hello", last_seq: lastSeq }));
    };
    socket.onmessage = function (e) {
      var message;
      try { message = JSON.parse(e.data); } catch (err) { return; }
      receive(message);
    };
    socket.onclose = function () {
      socket = null;
      setConnection("reconnecting");
      attempt += 1;
      var delay = Math.min(10000, 500 * Math.pow(2, Math.min(attempt, 5))) * (0.75 + Math.random() / 2);
      setTimeout(connect, delay);
    };
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  function receive(message) {
    if (message.type === "event") return onEvent(message);
    if (message.type === "hello") {
      setConnection("connected");
      if (message.reset) { location.reload(); return; }
      // Writes that were never acknowledged are sent again, with the same client_id.
      Object.keys(pending).forEach(function (id) { send(pending[id].message); });
      return;
    }
    if (message.type === "ack") return onAck(message);
    if (message.type === "error") return onError(message);
  }

  function onEvent(event) {
    if (event.seq <= lastSeq) return;
    if (event.seq > lastSeq + 1) {
      ahead[event.seq] = event;
      if (replayAsked !== lastSeq) {
        replayAsked = lastSeq;
        send({ type: "replay", since: lastSeq });
      }
      return;
    }
    apply(event);
    lastSeq = event.seq;
    root.dataset.seq = String(lastSeq);
    while (ahead[lastSeq + 1]) {
      var next = ahead[lastSeq + 1];
      delete ahead[lastSeq + 1];
      apply(next);
      lastSeq = next.seq;
      root.dataset.seq = String(lastSeq);
    }
  }

  function onAck(message) {
    var item = pending[message.client_id];
    delete pending[message.client_id];
    if (!item) return;
    var form = item.form;
    setFormStatus(form, message.ballot ? T.vote_recorded : T.saved);
    if (message.ballot) markMyVote(message.ballot.motion, message.ballot.choice);
    // Clear the text only if the user has not typed on since sending it.
    var text = form.querySelector("textarea[name=text], input[name=text]");
    if (text && item.message.text !== undefined && text.value === item.message.text) text.value = "";
    form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
  }

  function onError(message) {
    var item = message.client_id && pending[message.client_id];
    if (item) {
      delete pending[message.client_id];
      setFormStatus(item.form, message.message, true);
      item.form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
    } else {
      notice(message.message);
    }
  }

  function notice(text) {
    var box = document.getElementById("live-notice");
    box.textContent = text;
    box.hidden = false;
  }

  function setFormStatus(form, text, bad) {
    var status = form.querySelector(".form-status");
    if (!status) {
      status = el("span", { className: "form-status small", role: "status", "aria-live": "polite" });
      form.appendChild(status);
    }
    status.textContent = text;
    status.classList.toggle("bad", !!bad);
  }

  // --- times -----------------------------------------------------------------------------
  // Minutes read in Beijing time with the date, whatever the device's zone: events carry the
  // server's formatted string; older events are formatted here in Asia/Shanghai.

  function beijing(formatted, iso) {
    if (formatted) return formatted;
    if (!iso) return "";
    try {
      var parts = {};
      new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit",
        day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
        .formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
      return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute;
    } catch (err) {
      return iso;
    }
  }

  function showTime(id, formatted, iso) {
    var node = document.getElementById(id + "-at");
    if (!node || !(formatted || iso)) return;
    node.textContent = beijing(formatted, iso);
    if (iso) node.setAttribute("datetime", iso);
    document.getElementById(id).hidden = false;
    document.getElementById("meeting-times").hidden = false;
  }

  // --- applying events -------------------------------------------------------------------

  var handlers = {
    "entry": addEntry,
    "attendance": markPresent,
    "agenda": setCurrentItem,
    "motion.opened": upsertMotion,
    "tally": upsertMotion,
    "motion.closed": upsertMotion,
    "meeting.started": function (data) {
      setStatus(data.status);
      notice(T.meeting_started);
      showTime("meeting-started", data.started_local, data.started_at);
      if (data.current_item) setCurrentItem({ current_item: data.current_item });
    },
    "meeting.closed": function (data) {
      setStatus(data.status);
      notice(T.meeting_closed);
      showTime("meeting-ended", data.ended_local, data.ended_at);
      document.querySelectorAll("#entry-form, #motion-form, .ballot-form, .motion-close-form, .checkin-form, #agenda-next, #checkin-qr-box")
        .forEach(function (node) { node.hidden = true; });
    }
  };

  function apply(event) {
    var handler = handlers[event.kind];
    if (handler) handler(event.data, event);
  }

  function setStatus(status) {
    root.dataset.status = status;
  }

  function addEntry(data, event) {
    var list = document.getElementById("minutes-list");
    if (list.querySelector('[data-entry-id="' + data.id + '"]')) return;
    var empty = list.querySelector(".no-entries");
    if (empty) empty.remove();
    var li = el("li", { className: "entry kind-" + data.kind, "data-entry-id": data.id, "data-position": data.position, "data-seq": event.seq });
    var label = L.kinds[data.kind] || data.kind;
    if (data.party) label += " · " + (L.parties[data.party] || data.party);
    li.appendChild(el("span", { className: "entry-kind" }, label));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("time", { className: "muted small", datetime: data.created_at },
      beijing(data.created_local, data.created_at)));
    li.appendChild(el("p", { className: "entry-text" }, data.text));
    list.appendChild(li);
  }

  function markPresent(data) {
    var li = document.querySelector('#attendance [data-participant-id="' + data.participant + '"]');
    if (li) {
      li.dataset.present = "true";
      var presence = li.querySelector(".presence");
      if (presence) presence.textContent = "✔ " + T.present;
      var form = li.querySelector(".checkin-form");
      if (form) form.remove();
    }
    if (data.quorum) setQuorum(data.quorum);
  }

  function setQuorum(quorum) {
    var box = document.getElementById("quorum");
    box.dataset.ok = quorum.ok ? "true" : "false";
    box.textContent = "";
    box.appendChild(el("span", { "aria-hidden": "true" }, quorum.ok ? "●" : "○"));
    var text = quorum.ok ? T.quorum_ok
      : T.quorum_missing + " " + quorum.missing.map(function (p) { return L.parties[p] || p; }).join(", ");
    box.appendChild(document.createTextNode(" " + text));
  }

  function agendaTitle(id) {
    var li = document.querySelector('#agenda [data-item-id="' + id + '"]');
    return li ? li.firstChild.textContent.trim() : String(id);
  }

  // The motion form's agenda item follows the current item until the chair picks one.
  var motionItem = document.getElementById("motion-agenda_item");
  if (motionItem) motionItem.addEventListener("change", function () { motionItem.dataset.chosen = "true"; });

  function setCurrentItem(data) {
    if (motionItem && motionItem.dataset.chosen !== "true" &&
        motionItem.querySelector('option[value="' + data.current_item + '"]')) {
      motionItem.value = String(data.current_item);
    }
    document.querySelectorAll("#agenda [data-item-id]").forEach(function (li) {
      var current = String(li.dataset.itemId) === String(data.current_item);
      li.classList.toggle("current", current);
      if (current) li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
      var label = li.querySelector(".current-label");
      if (label) label.textContent = current ? " — " + T.current : "";
    });
  }

  // The tally is drawn by the server's template (meetings/includes/tally.html), as on the page:
  // the event carries it rendered in each language, and the page shows the viewer's.
  function showTally(article, data) {
    var html = data.tally_html && (data.tally_html[root.dataset.language] || data.tally_html[Object.keys(data.tally_html)[0]]);
    if (html === undefined) return; // an event stored before tallies were rendered: keep what is shown
    article.querySelector(".tally").innerHTML = html;
  }

  function upsertMotion(data, event) {
    var list = document.querySelector("#motions .motion-list");
    var article = document.getElementById("motion-" + data.id);
    if (!article) {
      var empty = list.querySelector(".no-motions");
      if (empty) empty.remove();
      article = el("article", { className: "motion", id: "motion-" + data.id, "data-motion-id": data.id, "data-rule": data.rule });
      article.appendChild(el("h3", { className: "motion-text" }, data.text));
      article.appendChild(el("p", { className: "motion-item small", "data-agenda-item": data.agenda_item || "" },
        T.agenda_item + ": " + (data.agenda_item ? (data.agenda_title || agendaTitle(data.agenda_item)) : T.no_item)));
      var meta = (L.rules[data.rule] || data.rule) + (data.rule === "civil_code_278" ? " · " + (L.matters[data.matter] || data.matter) : "");
      var p = el("p", { className: "muted small" }, meta + " · ");
      p.appendChild(el("span", { className: "motion-status" }, T.open));
      article.appendChild(p);
      article.appendChild(el("div", { className: "tally", "aria-live": "polite" }));
      // Owners vote on art. 278 motions, participants on the others (data-vote-rules, from the server).
      if ((root.dataset.voteRules || "").split(" ").indexOf(data.rule) !== -1) article.appendChild(ballotForm(data.id));
      if (root.dataset.canChair === "true") article.appendChild(closeForm(data.id));
      list.appendChild(article);
    }
    var closed = data.status === "closed";
    article.dataset.status = data.status;
    showTally(article, data);
    if (closed) {
      article.querySelector(".motion-status").textContent = T.closed;
      // The voter keeps seeing their own vote; only the ways to change things go.
      article.querySelectorAll(".ballot-form button, .motion-close-form, .proxy-form").forEach(function (f) { f.hidden = true; });
      if (data.resolution && !article.querySelector(".resolution-link")) {
        var link = el("p", { className: "resolution-link" });
        link.appendChild(el("a", { href: data.resolution.url }, T.resolution));
        article.appendChild(link);
      }
    }
  }

  function ballotForm(motionId) {
    var form = el("form", { className: "ballot-form inline-form", "data-ws-type": "ballot.cast", method: "post",
      action: location.pathname + "motions/" + motionId + "/ballot/" });
    form.appendChild(el("input", { type: "hidden", name: "motion", value: motionId }));
    form.appendChild(el("span", { className: "my-vote small", "data-choice": "" }, T.your_vote + ": —"));
    ["for", "against", "abstain"].forEach(function (c) {
      form.appendChild(el("button", { type: "submit", name: "choice", value: c, className: "secondary vote-" + c }, L.choices[c]));
    });
    return form;
  }

  function closeForm(motionId) {
    var form = el("form", { className: "inline motion-close-form", "data-ws-type": "motion.close", method: "post",
      action: location.pathname + "motions/" + motionId + "/close/", "data-confirm": T.confirm_close_vote });
    form.appendChild(el("input", { type: "hidden", name: "motion", value: motionId }));
    form.appendChild(el("button", { type: "submit", className: "secondary" }, T.close_vote));
    return form;
  }

  function markMyVote(motionId, choice) {
    var span = document.querySelector("#motion-" + motionId + " .my-vote");
    if (span) {
      span.dataset.choice = choice;
      span.textContent = T.your_vote + ": " + (L.choices[choice] || choice);
    }
  }

  // --- writes ----------------------------------------------------------------------------

  document.addEventListener("submit", function (e) {
    var form = e.target;
    // What cannot be undone (closing a vote, sealing the minutes) is asked first, in words the
    // server wrote (data-confirm); refused, nothing is sent.
    var ask = form.dataset && form.dataset.confirm;
    if (ask && !window.confirm(ask)) {
      e.preventDefault();
      return;
    }
    var type = form.dataset && form.dataset.wsType;
    if (!type || !socket || socket.readyState !== WebSocket.OPEN) {
      // A normal POST. Answered here: the server's confirmation page (for a browser without
      // script) is skipped.
      if (ask && form.querySelector("input[name=confirm]") === null) {
        form.appendChild(el("input", { type: "hidden", name: "confirm", value: "yes" }));
      }
      return;
    }
    e.preventDefault();
    var message = { type: type, client_id: newId() };
    new FormData(form).forEach(function (value, key) {
      if (key === "csrfmiddlewaretoken" || key === "client_id") return;
      message[key] = value;
    });
    if (e.submitter && e.submitter.name) message[e.submitter.name] = e.submitter.value;
    ["motion", "participant", "owner", "agenda_item"].forEach(function (k) {
      if (message[k] !== undefined && message[k] !== "") message[k] = parseInt(message[k], 10);
      else if (k === "agenda_item" && message[k] === "") message[k] = null; // "none" is a choice
      else delete message[k];
    });
    pending[message.client_id] = { message: message, form: form };
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    send(message);
  });

  connect();
})();
