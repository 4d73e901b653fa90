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
    // A property, not a data attribute: a row the admin clones from the empty form must
    // be wired again (attributes are cloned, properties are not).
    if (!select || select.kindWired) { return; }
    select.kindWired = true;
    select.addEventListener("change", function () { showKind(inline); });
    showKind(inline);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".inline-related").forEach(wire);
  });
  document.addEventListener("formset:added", function (event) { wire(event.target); });
})();

/* Copy buttons: <button data-copy="element-id"> copies that element's text. Without
   JavaScript the text is still selectable (user-select: all). */
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) { return; }
  var source = document.getElementById(button.dataset.copy);
  if (!source || !navigator.clipboard) { return; }
  navigator.clipboard.writeText(source.textContent.trim()).then(function () {
    button.textContent = "Copied";
  });
});
