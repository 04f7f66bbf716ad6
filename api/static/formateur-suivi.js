/* Progress of a bulk issuance (api/templates/formateur/serie_suivi.html), a small progressive
   enhancement: with JavaScript the counts are updated in place, so the aria-live region is
   announced and nothing reloads under the reader; without it, <noscript><meta refresh> reloads. */
(function () {
  "use strict";
  var region = document.getElementById("avancement");
  if (!region || !window.fetch || !window.DOMParser) { return; }
  function swap(doc, id) {
    var mine = document.getElementById(id);
    var fresh = doc.getElementById(id);
    if (mine && fresh) { mine.innerHTML = fresh.innerHTML; }
    return fresh;
  }
  function poll() {
    window.fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var doc = new window.DOMParser().parseFromString(html, "text/html");
        var fresh = swap(doc, "avancement");
        swap(doc, "suite");
        var heading = doc.querySelector("h1");
        if (heading) { document.querySelector("h1").textContent = heading.textContent; }
        document.title = doc.title;
        if (fresh && fresh.getAttribute("data-etat") === "en-cours") {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
}());
