/* Operator admin (issue 20), progressive: every page works without this file.
   - Downtime form: the zone label beside start/end follows the Timezone select. */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var zoneSelect = document.getElementById("id_timezone");
  if (zoneSelect) {
    zoneSelect.addEventListener("change", function () {
      document.querySelectorAll("[data-zone-from=timezone]").forEach(function (label) {
        label.textContent = zoneSelect.value;
      });
    });
  }
});

/* SLA requirements: show only the fieldset of the chosen kind (percentage or outages).
   Without this script both show under their headings; the server ignores the other one. */
(function () {
  function showKind(inline) {
    var select = inline.querySelector("select[name$='-kind']");
    if (!select) { return; }
    ["percentage", "outages"].forEach(function (kind) {
      inline.querySelectorAll("fieldset.requirement-kind-" + kind).forEach(function (set) {
        set.hidden = select.value !== "" && select.value !== kind;
      });
    });
  }
  function wire(inline) {
    var select = inline.querySelector("select[name$='-kind']");
    if (!select || select.dataset.kindWired) { return; }
    select.dataset.kindWired = "1";
    select.addEventListener("change", function () { showKind(inline); });
    showKind(inline);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".inline-related").forEach(wire);
  });
  document.addEventListener("formset:added", function (event) { wire(event.target); });
})();
