// Nothing typed into a report is lost: the staff report form and "add information".
//
// - Every field but the files is saved in this browser's localStorage as it is typed,
//   under the form's data-draft key (one per person, so the next person at a shared
//   computer is not offered it). A failed submission, a closed tab, an expired session or
//   a lost connection leaves it there, and opening the form again puts it back.
// - The draft is removed only when a page of the server's says it has the report: an
//   element with data-draft-clear (the key) and data-draft-clear-token (the report's
//   idempotency key, so that a draft started since in another tab is left alone).
// - The report form's idempotency key is kept with the draft, so a retry after a failure
//   sends the same key and the server makes one incident of it, however often it arrives.
// - The submit button is disabled once clicked (a double click sends once), and enabled
//   again after a while or when the page comes back from the back-forward cache, since a
//   retry with the same key is safe.
// - On the anonymous receipt, the address becomes /report/?receipt=shown, so a refresh
//   or a return shows an explanation rather than sending the report again for the code.
//
// A module file, because the Content-Security-Policy allows no inline script. It runs
// before app.js starts GOV.UK Frontend, so restored radios and checkboxes open their
// conditional questions when the components start.

const VERSION = 1;
// A draft older than this is dropped: it is of no use, and it should not linger on a
// shared computer.
const MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
// Long enough for a slow upload to get going; after it, a retry is allowed (same key).
const REENABLE_AFTER_MS = 15 * 1000;
const NOT_SAVED = new Set(["csrfmiddlewaretoken", "idempotency_key"]);

const storage = (() => {
  try {
    const store = window.localStorage;
    store.setItem("incidentdesk:test", "1");
    store.removeItem("incidentdesk:test");
    return store;
  } catch {
    // Private browsing in some browsers, or storage turned off: the form still works.
    return null;
  }
})();

const readDraft = (key) => {
  if (!storage) return null;
  try {
    const draft = JSON.parse(storage.getItem(key) || "null");
    if (!draft || draft.v !== VERSION) return null;
    if (Date.now() - draft.savedAt > MAX_AGE_MS) {
      storage.removeItem(key);
      return null;
    }
    return draft;
  } catch {
    return null;
  }
};

const writeDraft = (key, draft) => {
  if (!storage) return;
  try {
    storage.setItem(key, JSON.stringify({ ...draft, v: VERSION, savedAt: Date.now() }));
  } catch {
    // Storage full: nothing to do but carry on; the server still gets the form.
  }
};

const removeDraft = (key) => {
  if (storage) storage.removeItem(key);
};

const freshKey = (fallback) => window.crypto?.randomUUID?.() ?? fallback;

// --- Pages that say the server has the report ------------------------------------------

for (const element of document.querySelectorAll("[data-draft-clear]")) {
  const key = element.dataset.draftClear;
  const token = element.dataset.draftClearToken;
  const draft = readDraft(key);
  if (draft && (!token || draft.token === token)) {
    removeDraft(key);
  }
}

const receiptShownOnce = document.querySelector("[data-receipt-shown-once]");
if (receiptShownOnce) {
  // The receipt stays on screen; only the address changes, so a refresh is a GET of a
  // page that explains, instead of sending the form again to be shown the code.
  window.history.replaceState(null, "", receiptShownOnce.dataset.receiptShownOnce);
}

// --- Forms that keep a draft -----------------------------------------------------------

const savedFields = (form) =>
  Array.from(form.elements).filter(
    (element) =>
      element.name &&
      !NOT_SAVED.has(element.name) &&
      element.type !== "file" &&
      element.type !== "submit" &&
      element.type !== "button",
  );

const isChoice = (element) => element.type === "checkbox" || element.type === "radio";

const valuesOf = (form) => {
  const values = {};
  for (const element of savedFields(form)) {
    values[element.name] ??= [];
    if (isChoice(element)) {
      if (element.checked) values[element.name].push(element.value);
    } else {
      values[element.name].push(element.value);
    }
  }
  return values;
};

// Whether the person has typed or chosen anything, compared with the page as it came.
const changedFields = (form) =>
  savedFields(form).filter((element) =>
    isChoice(element)
      ? element.checked !== element.defaultChecked
      : element.value !== element.defaultValue,
  );

const restore = (form, values) => {
  const seen = {};
  for (const element of savedFields(form)) {
    const saved = values[element.name];
    if (!saved) continue;
    if (isChoice(element)) {
      element.checked = saved.includes(element.value);
    } else {
      const index = seen[element.name] ?? 0;
      seen[element.name] = index + 1;
      element.value = saved[index] ?? "";
    }
  }
};

const setUpForm = (form) => {
  const key = form.dataset.draft;
  const keyInput = form.querySelector("[data-idempotency-key]");
  const submit = form.querySelector("[data-report-submit]");
  const banner = document.querySelector("[data-draft-restored]");
  const note = document.querySelector("[data-draft-note]");
  const bound = form.hasAttribute("data-draft-bound");
  let submitted = false;

  // Files cannot be kept, but their names can, to say which to choose again.
  const fileNames = () =>
    Array.from(form.querySelectorAll("input[type=file]")).flatMap((input) =>
      Array.from(input.files ?? [], (file) => file.name),
    );
  const save = () =>
    writeDraft(key, {
      token: keyInput?.value ?? "",
      values: valuesOf(form),
      files: fileNames(),
    });

  const draft = readDraft(key);
  if (bound) {
    // The server sent the form back (something to fix): what it shows is what was sent,
    // with the key to use next.
    save();
  } else if (draft && changedFields(form).length === 0) {
    restore(form, draft.values);
    if (keyInput && draft.token) keyInput.value = draft.token;
    if (banner && (changedFields(form).length > 0 || draft.files?.length)) banner.hidden = false;
    const filesNote = banner?.querySelector("[data-draft-files]");
    if (filesNote && draft.files?.length) {
      filesNote.textContent = `Choose your files again: ${draft.files.join(", ")}.`;
      filesNote.hidden = false;
    }
  } else if (keyInput) {
    keyInput.value = freshKey(keyInput.value);
  }

  // Show the optional sections that hold a restored answer, or a file to choose again.
  const changed = changedFields(form);
  const filesToChoose =
    !bound && draft?.files?.length ? Array.from(form.querySelectorAll("input[type=file]")) : [];
  for (const section of form.querySelectorAll("details[data-draft-section]")) {
    const holds = (element) => section.contains(element);
    if (changed.some(holds) || filesToChoose.some(holds)) {
      section.open = true;
    }
  }

  if (note && storage) note.hidden = false;

  form.addEventListener("input", save);
  form.addEventListener("change", save);

  form.addEventListener("submit", () => {
    save();
    submitted = true;
    if (submit) {
      // After this event, so the browser has already taken the form's values.
      window.setTimeout(() => {
        submit.disabled = true;
        submit.setAttribute("aria-disabled", "true");
      }, 0);
      window.setTimeout(() => {
        submit.disabled = false;
        submit.removeAttribute("aria-disabled");
      }, REENABLE_AFTER_MS);
    }
  });

  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    if (submit) {
      submit.disabled = false;
      submit.removeAttribute("aria-disabled");
    }
    // Back from the confirmation: the report was sent and its draft cleared, so this
    // page's words and key belong to a report already made. Start afresh.
    if (submitted && !readDraft(key)) {
      window.location.assign(form.action);
    }
  });

  document.querySelector("[data-draft-discard]")?.addEventListener("click", () => {
    removeDraft(key);
    window.location.assign(form.action);
  });
};

for (const form of document.querySelectorAll("form[data-draft]")) {
  setUpForm(form);
}
