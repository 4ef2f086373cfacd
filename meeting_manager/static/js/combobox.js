// Country lists as an accessible, searchable combobox (WAI-ARIA 1.2 "select-only"/list-autocomplete pattern),
// served by the app: the <select> stays in the form (it is what is submitted, and what works without script);
// a text box filters its options as one types (accents and case ignored, ISO codes too), on a phone as well.
(function () {
  "use strict";
  var SELECTOR = "select[data-combobox], select[name$='country'], select[name$='country_code'], select[name='nationality']";
  var counter = 0;
  var script = document.currentScript;
  var found = (script && script.dataset.found) || "{n}";

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function enhance(select) {
    if (select.multiple || select.dataset.comboboxReady) { return; }
    select.dataset.comboboxReady = "1";
    var n = ++counter;
    var label = document.querySelector("label[for='" + select.id + "']");
    var wrap = document.createElement("div");
    wrap.className = "combobox";
    var input = document.createElement("input");
    input.type = "text";
    input.id = select.id ? select.id + "-combobox" : "combobox-" + n;
    input.className = "combobox-input";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");
    input.setAttribute("spellcheck", "false");
    var list = document.createElement("ul");
    list.id = input.id + "-list";
    list.className = "combobox-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("aria-controls", list.id);
    if (label) {
      label.setAttribute("for", input.id);
      if (!label.id) { label.id = input.id + "-label"; }
      list.setAttribute("aria-labelledby", label.id);
    }
    if (select.getAttribute("aria-describedby")) {
      input.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
    }
    if (select.getAttribute("aria-invalid")) { input.setAttribute("aria-invalid", select.getAttribute("aria-invalid")); }
    if (select.required) { input.required = true; }
    var status = document.createElement("span");
    status.className = "sr-only";
    status.setAttribute("role", "status");
    var options = Array.prototype.map.call(select.options, function (o) {
      return { value: o.value, text: o.text, key: fold(o.text + " " + o.value) };
    });
    var shown = [];
    var active = -1;

    function current() {
      var o = select.options[select.selectedIndex];
      return o && o.value ? o.text : "";
    }
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function render(query) {
      var q = fold(query.trim());
      shown = options.filter(function (o) { return o.value && (!q || o.key.indexOf(q) >= 0); });
      list.textContent = "";
      shown.forEach(function (o, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", o.value === select.value ? "true" : "false");
        li.textContent = o.text;
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(o); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      status.textContent = found.replace("{n}", String(shown.length));
      move(shown.length ? 0 : -1);
    }
    function move(index) {
      var items = list.children;
      if (active >= 0 && items[active]) { items[active].classList.remove("active"); }
      active = index;
      if (active >= 0 && items[active]) {
        items[active].classList.add("active");
        input.setAttribute("aria-activedescendant", items[active].id);
        items[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function choose(o) {
      select.value = o.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      input.value = o.text;
      close();
    }

    input.value = current();
    input.addEventListener("input", function () { render(input.value); });
    input.addEventListener("focus", function () { input.select(); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) { render(""); } else { move(Math.min(active + 1, shown.length - 1)); }
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        move(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && !list.hidden) {
        event.preventDefault();
        if (active >= 0) { choose(shown[active]); }
      } else if (event.key === "Escape") {
        close();
        input.value = current();
      }
    });
    input.addEventListener("blur", function () {
      close();
      if (!input.value.trim()) {
        select.value = "";
      }
      input.value = current();
    });
    select.addEventListener("change", function () { input.value = current(); });

    select.classList.add("combobox-native");
    select.setAttribute("tabindex", "-1");
    select.setAttribute("aria-hidden", "true");
    select.parentNode.insertBefore(wrap, select);
    wrap.appendChild(input);
    wrap.appendChild(list);
    wrap.appendChild(status);
    wrap.appendChild(select);
  }

  document.querySelectorAll(SELECTOR).forEach(enhance);
}());
