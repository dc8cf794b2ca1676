// The warning before the session ends (GOV.UK's timeout warning pattern), in the <dialog
// id="timeout-warning"> every signed-in page carries, with its timings in data attributes.
//
// It opens as a modal dialog `warnBefore` seconds before the session ends for want of activity,
// with focus moved to its heading and kept inside it; "Stay signed in" (or Esc) posts the stay
// form and carries on, "Sign out" signs out. Before the session's absolute end it says the session
// cannot be extended and that what is typed is kept as a draft; "Carry on" (or Esc) closes it.
// A countdown is shown each second; screen readers hear it only when the dialog opens, each
// whole minute and at 20 seconds. When the time is up, drafts are kept and the page is loaded
// again, which signs the person out and sends them to sign in.
//
// Activity the server saw (a draft kept while typing) sets the timings again.

import { KEEP_DRAFTS_NOW, SESSION_ACTIVE } from './drafts.js'

const SECOND = 1000

function words (seconds) {
  if (seconds >= 60) {
    const minutes = Math.ceil(seconds / 60)
    return minutes === 1 ? '1 minute' : `${minutes} minutes`
  }
  return seconds === 1 ? '1 second' : `${seconds} seconds`
}

function focusable (dialog) {
  return Array.from(dialog.querySelectorAll('button:not([hidden]), [href], input:not([type="hidden"])'))
    .filter((element) => !element.closest('[hidden]') && !element.disabled)
}

export function initTimeoutWarning () {
  const dialog = document.getElementById('timeout-warning')
  if (!dialog || typeof dialog.showModal !== 'function') return
  const warnBefore = Number(dialog.dataset.warnBefore) * SECOND
  const heading = dialog.querySelector('h2')
  const announce = dialog.querySelector('[data-announce]')
  const stayForm = dialog.querySelector('form[data-when="idle"]')
  let idleEnd = 0
  let absoluteEnd = 0
  let warnTimer = null
  let endTimer = null
  let tick = null
  let lastAnnounced = null
  let returnFocus = null

  const absoluteFirst = () => absoluteEnd <= idleEnd
  const endsAt = () => Math.min(idleEnd, absoluteEnd)

  function show (which) {
    for (const part of dialog.querySelectorAll('[data-when]')) part.hidden = part.dataset.when !== which
  }

  function countdown () {
    const left = Math.max(0, Math.round((endsAt() - Date.now()) / SECOND))
    for (const shown of dialog.querySelectorAll('[data-when]:not([hidden]) [data-countdown]')) {
      shown.textContent = words(left)
    }
    const minute = left >= 60 ? Math.ceil(left / 60) : null
    const moment = minute !== null ? `m${minute}` : (left <= 20 ? 's20' : null)
    if (moment && moment !== lastAnnounced) {
      lastAnnounced = moment
      const what = absoluteFirst() ? 'You will be signed out in' : 'You will be signed out, unless you stay signed in, in'
      announce.textContent = `${what} ${words(left)}.`
    }
  }

  function open () {
    if (dialog.open) return
    returnFocus = document.activeElement
    show(absoluteFirst() ? 'absolute' : 'idle')
    lastAnnounced = null
    dialog.showModal()
    heading.focus()
    countdown()
    tick = window.setInterval(countdown, SECOND)
  }

  function close () {
    window.clearInterval(tick)
    if (dialog.open) dialog.close()
    if (returnFocus && typeof returnFocus.focus === 'function') returnFocus.focus()
  }

  function schedule (idleLeft, absoluteLeft) {
    idleEnd = Date.now() + idleLeft * SECOND
    absoluteEnd = Date.now() + absoluteLeft * SECOND
    window.clearTimeout(warnTimer)
    window.clearTimeout(endTimer)
    warnTimer = window.setTimeout(open, Math.max(0, endsAt() - warnBefore - Date.now()))
    // A moment before the end, drafts are kept; just after it, the page is loaded again.
    window.setTimeout(() => document.dispatchEvent(new CustomEvent(KEEP_DRAFTS_NOW)), Math.max(0, endsAt() - 3 * SECOND - Date.now()))
    endTimer = window.setTimeout(() => {
      window.location.assign(window.location.pathname + window.location.search)
    }, endsAt() - Date.now() + 2 * SECOND)
  }

  async function stay (event) {
    if (event) event.preventDefault()
    try {
      const response = await fetch(stayForm.action, {
        method: 'POST',
        body: new URLSearchParams(new FormData(stayForm)),
        credentials: 'same-origin',
        headers: { Accept: 'application/json' }
      })
      if (!response.ok) throw new Error(String(response.status))
      const answer = await response.json()
      close()
      schedule(answer.idle_left, answer.absolute_left)
    } catch (error) {
      stayForm.submit() // the plain form: it stays signed in and comes back to this page
    }
  }

  stayForm.addEventListener('submit', stay)
  dialog.querySelector('[data-close]').addEventListener('click', close)
  dialog.addEventListener('cancel', (event) => {
    // Esc: stay signed in (or, at the absolute end, carry on).
    event.preventDefault()
    if (absoluteFirst()) close()
    else stay()
  })
  dialog.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab') return
    const items = [heading, ...focusable(dialog)]
    const first = items[0]
    const last = items[items.length - 1]
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault()
      last.focus()
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault()
      first.focus()
    }
  })
  document.addEventListener(SESSION_ACTIVE, (event) => {
    if (!dialog.open) schedule(event.detail.idleLeft, event.detail.absoluteLeft)
  })

  schedule(Number(dialog.dataset.idleLeft), Number(dialog.dataset.absoluteLeft))
}
