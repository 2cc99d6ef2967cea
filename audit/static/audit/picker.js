// Search-as-you-type pickers (the audit search's unit, person, resource, grant and action).
//
// <input data-picker-url="/audit/lookup/unit/" data-picker-value="3" name="unit" value="泉州市公安局">
// or data-picker-options="<id of a json_script list of {id, label}>" for a list the page carries.
//
// The box keeps what the person reads; a hidden input takes the field's name and sends the picked id.
// Until something is picked it sends the typed text, which the server reads as a name: the form works
// the same without this script, and with a name typed but not picked.
(function () {
  "use strict";

  const DELAY = 200; // ms after the last key before asking the server (which lists ten at most)

  function picker(input) {
    const hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = input.name;
    hidden.value = input.dataset.pickerValue || input.value;
    input.removeAttribute("name");
    input.after(hidden);

    const list = document.createElement("ul");
    list.id = input.id + "-choices";
    list.className = "dropdown-menu picker-choices";
    list.setAttribute("role", "listbox");
    input.parentElement.classList.add("position-relative");
    input.after(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.autocomplete = "off";

    const local = input.dataset.pickerOptions
      ? JSON.parse(document.getElementById(input.dataset.pickerOptions).textContent)
      : null;
    let choices = [];
    let active = -1;
    let timer = null;
    let asked = 0; // the latest question: an older answer arriving late is dropped

    function close() {
      list.classList.remove("show");
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function show(found) {
      choices = found;
      list.replaceChildren();
      active = -1;
      choices.forEach((choice, n) => {
        const item = document.createElement("li");
        item.id = `${list.id}-${n}`;
        item.className = "dropdown-item text-truncate";
        item.setAttribute("role", "option");
        item.title = choice.hint ? `${choice.label} · ${choice.hint}` : choice.label;
        item.textContent = choice.label;
        if (choice.hint) {
          const hint = document.createElement("small");
          hint.className = "text-body-secondary ms-2";
          hint.textContent = choice.hint;
          item.append(hint);
        }
        // mousedown, not click: it comes before the box's blur closes the list.
        item.addEventListener("mousedown", (event) => {
          event.preventDefault();
          pick(n);
        });
        list.append(item);
      });
      const open = choices.length > 0;
      list.classList.toggle("show", open);
      input.setAttribute("aria-expanded", String(open));
    }

    function highlight(n) {
      const items = list.children;
      if (!items.length) return;
      active = (n + items.length) % items.length;
      Array.from(items).forEach((item, i) => {
        item.classList.toggle("active", i === active);
        item.setAttribute("aria-selected", String(i === active));
      });
      items[active].scrollIntoView({ block: "nearest" });
      input.setAttribute("aria-activedescendant", items[active].id);
    }

    function pick(n) {
      const choice = choices[n];
      input.value = choice.label;
      hidden.value = choice.id;
      close();
      input.dispatchEvent(new CustomEvent("picker:picked", { bubbles: true, detail: choice }));
    }

    function find(text) {
      if (local) {
        const words = text.toLowerCase();
        show(local.filter((c) => !words || c.label.toLowerCase().includes(words) || String(c.id).includes(words)));
        return;
      }
      if (!text) {
        show([]);
        return;
      }
      const question = ++asked;
      const url = `${input.dataset.pickerUrl}?q=${encodeURIComponent(text)}`;
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : { results: [] }))
        .then((body) => {
          if (question === asked && document.activeElement === input) show(body.results);
        })
        .catch(() => {}); // no list: the typed name is still read by the server
    }

    input.addEventListener("input", () => {
      hidden.value = input.value.trim(); // a name until something is picked
      clearTimeout(timer);
      timer = setTimeout(() => find(input.value.trim()), local ? 0 : DELAY);
    });
    input.addEventListener("focus", () => {
      if (local && !input.value) find("");
    });
    input.addEventListener("blur", () => setTimeout(close, 100));
    input.addEventListener("keydown", (event) => {
      const open = list.classList.contains("show");
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!open) {
          find(input.value.trim());
        } else {
          highlight(active + (event.key === "ArrowDown" ? 1 : -1));
        }
        event.preventDefault();
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault(); // Enter on a highlighted choice picks it; otherwise it sends the form
        pick(active);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      }
    });
  }

  document.querySelectorAll("input[data-picker-url], input[data-picker-options]").forEach(picker);
})();
