// Progressive enhancement only: every page works without this file.
document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", () => {
  // Phones: the navigation folds behind a Menu button (CSS shows the button below 700 px).
  const toggle = document.querySelector(".nav-toggle");
  if (toggle) {
    toggle.hidden = false;
    toggle.addEventListener("click", () => {
      toggle.setAttribute("aria-expanded", String(toggle.getAttribute("aria-expanded") !== "true"));
    });
  }
  // One navigation group open at a time; a click elsewhere or Escape closes it.
  const groups = document.querySelectorAll(".nav-group details");
  groups.forEach((group) => group.addEventListener("toggle", () => {
    if (group.open) groups.forEach((other) => { if (other !== group) other.open = false; });
  }));
  document.addEventListener("click", (event) => {
    groups.forEach((group) => { if (!group.contains(event.target)) group.open = false; });
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") groups.forEach((group) => { group.open = false; });
  });

  // Move focus to the error summary so screen-reader users hear what to fix.
  const summary = document.getElementById("form-errors");
  if (summary) summary.focus();

  // A table wider than the screen scrolls: keyboard users must be able to reach it.
  document.querySelectorAll(".table-wrap:not([tabindex])").forEach((wrap) => {
    if (wrap.scrollWidth > wrap.clientWidth) {
      wrap.tabIndex = 0;
      wrap.setAttribute("role", "region");
      const caption = wrap.querySelector("caption");
      wrap.setAttribute("aria-label", caption ? caption.textContent.trim() : "Table");
    }
  });

  // Buttons that ask before doing something that cannot be undone.
  document.querySelectorAll("[data-confirm]").forEach((element) => {
    element.addEventListener("click", (event) => {
      if (!window.confirm(element.dataset.confirm)) event.preventDefault();
    });
  });

  // Export pages: poll the job's progress until the file is ready.
  document.querySelectorAll("[data-progress-url]").forEach((box) => {
    const bar = box.querySelector("progress");
    const text = box.querySelector("[data-progress-text]");
    const download = box.querySelector("[data-progress-download]");
    const poll = () => {
      fetch(box.dataset.progressUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then((state) => {
          bar.value = state.progress;
          bar.textContent = `${state.progress}%`;
          if (state.status === "done") {
            text.textContent = `Ready: ${state.rows} rows.`;
            download.hidden = false;
          } else if (state.status === "failed") {
            text.textContent = state.error;
          } else {
            text.textContent = `${state.progress}% · ${state.rows} rows so far…`;
            window.setTimeout(poll, 1000);
          }
        })
        .catch(() => window.setTimeout(poll, 5000));
    };
    if (download.hidden) poll();
  });
});

// --- search: on a phone the browse filters fold behind a "Filters" button (the CSS
// folds them only below 700 px; without this script they stay open).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".filters-toggle[aria-controls]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => {
      const open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", String(!open));
    });
  });
});

// --- tables: a `table--cards` table is one card per row on a phone (app.css changes its
// display, and some screen readers then stop treating it as a table). Explicit roles keep
// its rows, headers and cells announced. They are set here, not in the HTML, because the
// HTML standard forbids a role on the rows and cells of a table.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("table.table--cards").forEach((table) => {
    table.setAttribute("role", "table");
    table.querySelectorAll(":scope > thead, :scope > tbody, :scope > tfoot").forEach((group) => {
      group.setAttribute("role", "rowgroup");
    });
    table.querySelectorAll(":scope > * > tr").forEach((row) => row.setAttribute("role", "row"));
    table.querySelectorAll(":scope > * > tr > td").forEach((cell) => cell.setAttribute("role", "cell"));
    table.querySelectorAll(":scope > * > tr > th").forEach((cell) => {
      cell.setAttribute("role", cell.scope === "row" ? "rowheader" : "columnheader");
    });
  });
});

// --- credentials: a "Copy link" button copies the read-only field it names, and says so.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("button[data-copy]").forEach((button) => {
    const field = document.getElementById(button.dataset.copy);
    if (!field) return;
    const label = button.textContent;
    button.addEventListener("click", async () => {
      field.select();
      try {
        await navigator.clipboard.writeText(field.value);
        button.textContent = "Copied";
      } catch {
        button.textContent = "Selected: press Ctrl+C";
      }
      setTimeout(() => { button.textContent = label; }, 2500);
    });
  });
});
