// The meeting form: when the venue country changes, its time zones move to the top of the time-zone list
// (the server orders them the same way when the form comes back).
(function () {
  "use strict";
  var country = document.getElementById("country_code");
  var zone = document.getElementById("timezone");
  if (!country || !zone || !zone.dataset.zones) { return; }
  var byCountry = JSON.parse(zone.dataset.zones);
  var original = Array.prototype.slice.call(zone.options);
  function reorder() {
    var first = byCountry[country.value] || [];
    var chosen = zone.value;
    var top = first.map(function (name) {
      return original.filter(function (o) { return o.value === name; })[0];
    }).filter(Boolean);
    var rest = original.filter(function (o) { return top.indexOf(o) < 0; });
    top.concat(rest).forEach(function (o) { zone.appendChild(o); });
    if (top.length && (chosen === "UTC" || !chosen)) { zone.value = top[0].value; } else { zone.value = chosen; }
  }
  country.addEventListener("change", reorder);
}());
