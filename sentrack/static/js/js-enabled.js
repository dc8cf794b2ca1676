// Loaded as a classic script at the very start of <body> (our CSP forbids inline
// scripts). Lets GOV.UK Frontend's CSS know that JavaScript runs and whether the
// browser supports ES modules, before the page is first painted.
(function () {
  'use strict'
  var body = document.body
  body.classList.add('js-enabled')
  if ('noModule' in HTMLScriptElement.prototype) {
    body.classList.add('govuk-frontend-supported')
  }
})()
