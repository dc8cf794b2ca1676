// Nothing typed is lost: a long form (a <form data-draft-keep="URL">) sends what is typed in it to
// URL a few seconds after the typing stops, where it is kept as the person's draft. The server
// answers with the time it was kept, shown under the form, and the time left before the session
// ends, passed on to the timeout warning (an `app:session-active` event). When the session has
// ended already (401), what was sent has been kept, and the page is loaded again, which signs
// the person in again and offers the draft back.
//
// While an older draft is offered back (data-draft-offered) nothing is sent: the person chooses to
// restore or discard it first. The form is sent as it is by its own button; nothing here is
// needed for it to work.

const WAIT_MS = 2000

export const SESSION_ACTIVE = 'app:session-active'
export const KEEP_DRAFTS_NOW = 'app:keep-drafts-now'

function statusOf (form) {
  const next = form.nextElementSibling
  return next && next.matches('[data-draft-status]') ? next : null
}

function say (form, message) {
  const status = statusOf(form)
  if (status) status.textContent = message
}

async function send (form, state) {
  if (state.submitting || form.hasAttribute('data-draft-offered')) return
  state.changed = false
  const body = new URLSearchParams(new FormData(form))
  let response
  try {
    response = await fetch(form.dataset.draftKeep, {
      method: 'POST',
      body,
      credentials: 'same-origin',
      headers: { Accept: 'application/json' }
    })
  } catch (error) {
    say(form, 'Your draft could not be saved just now. It will be tried again when you type.')
    return
  }
  if (response.status === 401) {
    window.location.assign(window.location.pathname + window.location.search)
    return
  }
  if (!response.ok) {
    say(form, 'Your draft could not be saved.')
    return
  }
  const answer = await response.json()
  if (answer.kept) say(form, `Draft saved at ${answer.saved_at}`)
  document.dispatchEvent(new CustomEvent(SESSION_ACTIVE, {
    detail: { idleLeft: answer.idle_left, absoluteLeft: answer.absolute_left }
  }))
}

function watch (form) {
  const state = { timer: null, changed: false, submitting: false }
  const later = () => {
    state.changed = true
    window.clearTimeout(state.timer)
    state.timer = window.setTimeout(() => send(form, state), WAIT_MS)
  }
  form.addEventListener('input', later)
  form.addEventListener('change', later)
  form.addEventListener('submit', () => {
    // Saved by its own button: no draft may be written after the save deletes it.
    state.submitting = true
    window.clearTimeout(state.timer)
  })
  document.addEventListener(KEEP_DRAFTS_NOW, () => {
    window.clearTimeout(state.timer)
    if (state.changed) send(form, state)
  })
}

export function initDrafts () {
  for (const form of document.querySelectorAll('form[data-draft-keep]')) watch(form)
}
