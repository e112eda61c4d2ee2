// The device check: camera preview, microphone level and a test tone, all in the browser.
(function () {
  "use strict";

  function say(id, ok) {
    var status = document.getElementById(id);
    status.textContent = status.getAttribute(ok ? "data-ok" : "data-fail");
    status.className = "check-status " + (ok ? "check-ok" : "check-fail");
    if (!ok) status.parentNode.querySelector("details").open = true;
  }

  function media(constraints) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return Promise.reject(new Error("no media devices"));
    }
    return navigator.mediaDevices.getUserMedia(constraints);
  }

  document.getElementById("camera-button").addEventListener("click", function () {
    var video = document.getElementById("camera-preview");
    media({ video: true }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      return video.play();
    }).then(function () { say("camera-status", true); },
            function () { say("camera-status", false); });
  });

  document.getElementById("mic-button").addEventListener("click", function () {
    var meter = document.getElementById("mic-level");
    var heard = false;
    media({ audio: true }).then(function (stream) {
      var Context = window.AudioContext || window.webkitAudioContext;
      var context = new Context();
      var analyser = context.createAnalyser();
      analyser.fftSize = 512;
      context.createMediaStreamSource(stream).connect(analyser);
      var samples = new Uint8Array(analyser.fftSize);
      (function measure() {
        analyser.getByteTimeDomainData(samples);
        var peak = 0;
        for (var i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i] - 128));
        var level = Math.min(100, Math.round(peak / 128 * 200));
        meter.value = level;
        meter.textContent = level;
        if (level > 3 && !heard) { heard = true; say("mic-status", true); }
        requestAnimationFrame(measure);
      })();
    }, function () { say("mic-status", false); });
  });

  document.getElementById("sound-button").addEventListener("click", function () {
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      var context = new Context();
      var tone = context.createOscillator();
      var volume = context.createGain();
      tone.frequency.value = 660;
      volume.gain.value = 0.2;
      tone.connect(volume).connect(context.destination);
      tone.start();
      tone.stop(context.currentTime + 1);
      say("sound-status", true);
    } catch (error) {
      say("sound-status", false);
    }
  });
})();
