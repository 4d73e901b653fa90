// The crontab "translation" of django-celery-beat's periodic task form (its template had it
// inline; the strict Content-Security-Policy runs static scripts only).
"use strict";
(function ($) {
    const readableCrontabs = JSON.parse($("#readable-crontabs").text() || "{}");
    const originalHelp = JSON.parse($("#crontab-help").text() || '""');

    function updateCrontabHelp(translation) {
        const help = $(".field-crontab .help");
        help.text(originalHelp);
        help.append(document.createElement("br"));
        help.append(document.createTextNode("Translation: " + translation));
    }

    $(".field-crontab_translation").hide();
    $(".field-crontab").change(function () {
        updateCrontabHelp(readableCrontabs[$("#id_crontab").val()]);
    });
})(django.jQuery);
