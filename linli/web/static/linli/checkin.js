/* The scan's confirmation page (activities): one big button posts the sign-in or sign-out.
   When the activity asks for the phone's position (data-need-location="1" on the form), a
   tap first asks the phone (navigator.geolocation), fills lat/lng/accuracy, then posts. If
   no position comes (refused, no GPS, timeout), it posts anyway: the server decides and says
   clearly what to do. The texts come from data- attributes (translated by the page). No
   inline script: the page's Content-Security-Policy allows only files from 'self'. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-checkin]");
  if (!form) return;
  var button = form.querySelector("button[type=submit]");
  var status = form.querySelector("[data-checkin-status]");
  var sent = false;

  function say(text) { if (status) status.textContent = text || ""; }

  function send() {
    if (sent) return;
    sent = true;
    form.submit();  // no submit event: this handler does not run again
  }

  form.addEventListener("submit", function (event) {
    if (sent) { event.preventDefault(); return; }  // a second tap
    if (button) button.disabled = true;
    if (form.dataset.needLocation !== "1") { sent = true; return; }  // post as it is
    event.preventDefault();
    if (!navigator.geolocation) { say(form.dataset.noLocation); send(); return; }
    say(form.dataset.locating);
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.elements.lat.value = String(pos.coords.latitude);
      form.elements.lng.value = String(pos.coords.longitude);
      form.elements.accuracy.value = isFinite(pos.coords.accuracy) ? String(Math.round(pos.coords.accuracy)) : "";
      say(form.dataset.located);
      send();
    }, function () {
      say(form.dataset.noLocation);
      send();
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 30000 });
  });

  // Back from the browser's cache (the back button): the button works again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { sent = false; if (button) button.disabled = false; say(""); }
  });
})();
