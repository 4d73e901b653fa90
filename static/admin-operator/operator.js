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
