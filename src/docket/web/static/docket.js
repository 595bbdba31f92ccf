// Docket pages: array entries, link pickers, copy buttons and the resumable upload widget. No build step.
"use strict";
(function () {
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

  // Arrays: "Add" clones the <template> with a fresh index; "Remove" drops an entry. Indexes only order entries.
  let counter = 1000;
  document.addEventListener("click", (event) => {
    const add = event.target.closest(".add-entry");
    if (add) {
      const fieldset = add.closest("fieldset.array");
      const template = fieldset.querySelector(":scope > template");
      const index = String(counter++);
      const html = template.innerHTML.split("__i__").join(index);
      const list = fieldset.querySelector(":scope > ol.entries");
      list.insertAdjacentHTML("beforeend", html);
      const entry = list.lastElementChild;
      const first = entry.querySelector("input, select, textarea");
      if (first) first.focus();
      return;
    }
    const remove = event.target.closest(".remove-entry");
    if (remove) {
      const fieldset = remove.closest("fieldset.array");
      remove.closest("li.entry").remove();
      fieldset.querySelector(":scope > .add-entry").focus();
      return;
    }
    const copy = event.target.closest("[data-copy]");
    if (copy) {
      const source = document.getElementById(copy.dataset.copy);
      source.select();
      if (navigator.clipboard) navigator.clipboard.writeText(source.value);
      copy.textContent = "Copied";
    }
  });

  // Link pickers: search-as-you-type against the JSON search API, offering matches in the input's datalist.
  const timers = new WeakMap();
  document.addEventListener("input", (event) => {
    const input = event.target;
    if (!input.classList || !input.classList.contains("picker")) return;
    clearTimeout(timers.get(input));
    timers.set(input, setTimeout(() => suggest(input), 200));
  });
  async function suggest(input) {
    const text = input.value.trim();
    if (text.length < 2 || text.startsWith("/")) return;
    const params = new URLSearchParams({ type: input.dataset.linkType, q: text, limit: "10" });
    for (const f of ["display_title", "aliases", "accession"]) params.append("field", f);
    const response = await fetch("/search/?" + params, { headers: { accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok && response.status !== 404) return;
    const body = await response.json();
    const list = document.getElementById(input.getAttribute("list"));
    list.replaceChildren(...(body["@graph"] || []).map((item) => {
      const option = document.createElement("option");
      option.value = item["@id"];
      option.label = [item.display_title, (item.aliases || [])[0]].filter(Boolean).join(" · ");
      return option;
    }));
  }

  // Upload: HEAD asks how many bytes the server has (Upload-Offset); each chunk is PUT with Content-Range.
  // Choosing the same file again after a failure or a reload continues from the server's offset.
  document.addEventListener("click", (event) => {
    const start = event.target.closest(".upload-start");
    if (start) upload(start.closest(".upload"));
  });
  async function upload(widget) {
    const file = widget.querySelector("input[type=file]").files[0];
    const bar = widget.querySelector("progress");
    const status = widget.querySelector(".upload-status");
    if (!file) { status.textContent = "Choose a file first."; return; }
    const url = widget.dataset.uploadUrl;
    const chunk = Number(widget.dataset.chunkSize || 8 * 1024 * 1024);
    const headers = { "X-CSRF-Token": csrf() };
    const show = (offset) => { bar.value = file.size ? (100 * offset) / file.size : 100; };
    const serverOffset = async () => {
      const head = await fetch(url, { method: "HEAD", headers, credentials: "same-origin" });
      return head.ok ? Number(head.headers.get("Upload-Offset") || 0) : 0;
    };
    let offset = await serverOffset();
    let failures = 0;
    show(offset);
    while (offset < file.size || (file.size === 0 && offset === 0 && failures === 0)) {
      const end = Math.min(offset + chunk, file.size);
      status.textContent = `Uploading ${file.name}: ${offset} of ${file.size} bytes`;
      let response;
      try {
        response = await fetch(url, {
          method: widget.dataset.uploadMethod || "PUT",
          credentials: "same-origin",
          headers: { ...headers, "Content-Type": "application/octet-stream",
            "Content-Range": file.size ? `bytes ${offset}-${end - 1}/${file.size}` : "bytes */0" },
          body: file.slice(offset, end),
        });
      } catch (error) { response = null; }
      if (response && response.status === 409) {  // the server holds a different offset: continue from it
        const held = Number(response.headers.get("Upload-Offset"));
        if (response.headers.has("Upload-Offset") && held !== offset) { offset = held; show(offset); continue; }
      }
      if (response && response.status >= 400 && response.status < 500) {
        const body = await response.json().catch(() => ({}));
        status.textContent = `Upload refused: ${body.detail || response.status}`;
        return;
      }
      if (response && response.ok) {
        offset = Number(response.headers.get("Upload-Offset") || end);
        failures = 0;
        show(offset);
        if (file.size === 0) break;
        continue;
      }
      if (++failures > 5) { status.textContent = `Upload stopped at ${offset} bytes; choose the file again to resume.`; return; }
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** failures));
      offset = await serverOffset().catch(() => offset);
    }
    status.textContent = `Uploaded ${file.name} (${file.size} bytes). Reload the page to see the file's new status.`;
    widget.dispatchEvent(new CustomEvent("docket:uploaded", { bubbles: true }));
  }

  // After a failed submit, move focus to the error summary so screen readers announce it.
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
