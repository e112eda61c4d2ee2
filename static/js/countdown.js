// The join page before the window opens: count down, then show the Join button by itself.
// Without script the page reloads every minute (a <noscript> refresh) and the server decides.
(function () {
  "use strict";
  var box = document.querySelector("[data-opens-at]");
  if (!box) return;
  var opensAt = Date.parse(box.getAttribute("data-opens-at"));
  var skew = Date.parse(box.getAttribute("data-server-now")) - Date.now();
  var counter = box.querySelector("[data-countdown]");
  var left = box.querySelector("[data-countdown-left]");
  var ready = box.querySelector("[data-join-ready]");
  var announce = box.querySelector("[data-join-announce]");
  var DAY = 24 * 3600 * 1000;
  var timer = null;

  function two(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var ms = opensAt - (Date.now() + skew);
    if (ms <= 0) {
      var button = document.createElement("a");
      button.className = "button primary big join-button";
      button.id = "join-button";
      button.href = box.getAttribute("data-join-url");
      button.textContent = box.getAttribute("data-join-label");
      ready.appendChild(button);
      counter.hidden = true;
      ready.hidden = false;
      announce.textContent = announce.getAttribute("data-text");
      if (timer) clearInterval(timer);
      return;
    }
    var s = Math.ceil(ms / 1000);
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    left.textContent = (h ? h + ":" + two(m) : String(m)) + ":" + two(s % 60);
    counter.hidden = ms > DAY;
  }

  tick();
  if (ready.hidden) timer = setInterval(tick, 1000);
})();
