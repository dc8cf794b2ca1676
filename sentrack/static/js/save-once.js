// Every form posts once: after the first submit its buttons are disabled, and a second click,
// Enter or submit on the same form is ignored until the page is shown again. The server keeps
// its own guard (the one-time submission token); this spares the user a second wait.
//
// A disabled button is not sent with the form, so the name and value of the button that was
// pressed (a form may have two: "Save as draft" and "Record") go along in a hidden input.
// A page brought back from the back-forward cache has its buttons enabled again.

const SUBMITTING = 'appSubmitting'
const ADDED = 'data-app-submitter'

function buttonsOf (form) {
  return Array.from(form.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]'))
    .concat(form.id ? Array.from(document.querySelectorAll(`[form="${CSS.escape(form.id)}"]`)) : [])
}

function onSubmit (event) {
  const form = event.target
  if (!(form instanceof HTMLFormElement) || (form.method || '').toLowerCase() !== 'post') return
  if (event.defaultPrevented) return
  if (form.dataset[SUBMITTING]) {
    event.preventDefault()
    return
  }
  form.dataset[SUBMITTING] = 'true'
  const submitter = event.submitter
  if (submitter && submitter.name) {
    const carried = document.createElement('input')
    carried.type = 'hidden'
    carried.name = submitter.name
    carried.value = submitter.value
    carried.setAttribute(ADDED, '')
    form.appendChild(carried)
  }
  for (const button of buttonsOf(form)) {
    button.disabled = true
    button.setAttribute('aria-disabled', 'true')
  }
}

function onPageShow (event) {
  if (!event.persisted) return
  for (const form of document.querySelectorAll('form')) {
    delete form.dataset[SUBMITTING]
    for (const carried of form.querySelectorAll(`[${ADDED}]`)) carried.remove()
    for (const button of buttonsOf(form)) {
      button.disabled = false
      button.removeAttribute('aria-disabled')
    }
  }
}

export function initSaveOnce () {
  // Listen on the document, after the page's own handlers, so a form they stopped is left alone.
  document.addEventListener('submit', onSubmit)
  window.addEventListener('pageshow', onPageShow)
}
