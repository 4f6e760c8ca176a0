// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
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
