/* Location picker and view (Leaflet). Progressive: without JS or tiles the latitude and
   longitude fields still work. Markup:
   <div data-map-picker data-tiles="…" data-attribution="…" data-center="lat,lng"
        data-lat="#latitude" data-lng="#longitude"
        [data-radius="#radius"]  (a circle of that many metres around the point)
        [data-locate="#button"]  (the "use my location" button; default #use-my-location)></div>
   <div data-map-view data-tiles="…" data-attribution="…" data-point="lat,lng"></div> */
(function () {
  "use strict";
  if (typeof L === "undefined") return;
  L.Icon.Default.imagePath = document.currentScript
    ? document.currentScript.src.replace(/map\.js.*$/, "vendor/leaflet-1.9.4/images/")
    : "/static/linli/vendor/leaflet-1.9.4/images/";

  function pair(text) {
    var parts = String(text || "").split(",").map(parseFloat);
    return parts.length === 2 && isFinite(parts[0]) && isFinite(parts[1]) ? parts : null;
  }

  function base(el, center, zoom) {
    var map = L.map(el, { scrollWheelZoom: false }).setView(center, zoom);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    }
    return map;
  }

  function fixed(n) { return (Math.round(n * 1e6) / 1e6).toFixed(6); }

  function picker(el) {
    var lat = document.querySelector(el.dataset.lat);
    var lng = document.querySelector(el.dataset.lng);
    var start = pair(lat.value + "," + lng.value);
    var map = base(el, start || pair(el.dataset.center) || [30.3095, 112.257], start ? 17 : 15);
    var marker = null;
    var radius = el.dataset.radius ? document.querySelector(el.dataset.radius) : null;
    var circle = null;
    function ring() {
      var metres = radius ? parseFloat(radius.value) : NaN;
      if (!marker || !isFinite(metres) || metres <= 0) {
        if (circle) { circle.remove(); circle = null; }
        return;
      }
      if (circle) circle.setLatLng(marker.getLatLng()).setRadius(metres);
      else circle = L.circle(marker.getLatLng(), { radius: metres, weight: 2, fillOpacity: 0.1 }).addTo(map);
    }
    function place(latlng, pan) {
      if (marker) marker.setLatLng(latlng); else marker = L.marker(latlng, { draggable: true }).addTo(map);
      marker.off("dragend").on("dragend", function () { write(marker.getLatLng()); ring(); });
      if (pan) map.setView(latlng, Math.max(map.getZoom(), 17));
      ring();
    }
    if (radius) radius.addEventListener("input", ring);
    function write(latlng) {
      lat.value = fixed(latlng.lat);
      lng.value = fixed(latlng.lng);
    }
    if (start) place(start, false);
    map.on("click", function (e) { place(e.latlng, false); write(e.latlng); });
    [lat, lng].forEach(function (input) {
      input.addEventListener("change", function () {
        var p = pair(lat.value + "," + lng.value);
        if (p) place(p, true);
      });
    });
    var locate = document.querySelector(el.dataset.locate || "#use-my-location");
    if (locate && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        locate.disabled = true;
        navigator.geolocation.getCurrentPosition(function (pos) {
          var p = L.latLng(pos.coords.latitude, pos.coords.longitude);
          place(p, true); write(p); locate.disabled = false;
        }, function () { locate.disabled = false; }, { enableHighAccuracy: true, timeout: 15000 });
      });
    }
    // A map inside a closed <details> has no size until it opens.
    var details = el.closest("details");
    if (details) details.addEventListener("toggle", function () { map.invalidateSize(); });
  }

  function view(el) {
    var p = pair(el.dataset.point);
    if (!p) return;
    var map = base(el, p, 17);
    L.marker(p).addTo(map);
  }

  document.querySelectorAll("[data-map-picker]").forEach(picker);
  document.querySelectorAll("[data-map-view]").forEach(view);
})();
