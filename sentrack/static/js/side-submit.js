// A form whose first submit button is a side step ("Add another action", "Use this wording")
// would take that step when someone presses Enter in one of its fields, since a browser presses a
// form's first submit button. Here Enter presses the form's own button, as people expect. Without
// JavaScript the side step only shows the form again with what was typed: nothing is lost.
const NOT_FIELDS = new Set(['button', 'submit', 'reset', 'image', 'file', 'hidden'])

function mainButton (form) {
  return Array.from(form.querySelectorAll('button[type="submit"], input[type="submit"]'))
    .find((button) => !button.hasAttribute('data-side-submit'))
}

export function initSideSubmits (root = document) {
  for (const form of root.querySelectorAll('form')) {
    const main = form.querySelector('[data-side-submit]') && mainButton(form)
    if (!main) continue
    form.addEventListener('keydown', (event) => {
      const field = event.target
      if (event.key !== 'Enter' || event.defaultPrevented || !(field instanceof HTMLInputElement)) return
      if (NOT_FIELDS.has(field.type)) return
      event.preventDefault()
      main.click()
    })
  }
}
