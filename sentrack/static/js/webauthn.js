// Security keys and passkeys (WebAuthn). Two forms use them:
//
// - <form data-webauthn-register="OPTIONS_URL">, on the page that adds a key: it asks OPTIONS_URL
//   (with the form's fields, so the server checks the key's name first) for the options of
//   navigator.credentials.create(), lets the browser make the key, and sends the form with the
//   key's answer in its hidden `credential` field;
// - <form data-webauthn-sign-in="OPTIONS_URL">, on the second-factor page: the same with
//   navigator.credentials.get(), to sign in with a key.
//
// The options come as JSON with their binary values in base64url; the answer goes back the same
// way. The server checks everything: here nothing is decided. When the server will not give
// options (a name left empty, say), or the browser gives no answer (the person cancelled), the
// form is sent as it is, and the page that comes back says what went wrong beside the field.
//
// Progressive: the parts marked data-webauthn-only are hidden until this finds
// window.PublicKeyCredential; those marked data-webauthn-missing say the browser cannot, and are
// hidden once it can. Without JavaScript the pages work for every other way to sign in.

function toBase64url (buffer) {
  const bytes = new Uint8Array(buffer)
  let text = ''
  for (const byte of bytes) text += String.fromCharCode(byte)
  return window.btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function fromBase64url (value) {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/')
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4)
  const text = window.atob(padded)
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i)
  return bytes.buffer
}

function withIds (descriptors) {
  return (descriptors || []).map((descriptor) => ({ ...descriptor, id: fromBase64url(descriptor.id) }))
}

function creationOptions (options) {
  return {
    ...options,
    challenge: fromBase64url(options.challenge),
    user: { ...options.user, id: fromBase64url(options.user.id) },
    excludeCredentials: withIds(options.excludeCredentials)
  }
}

function requestOptions (options) {
  return {
    ...options,
    challenge: fromBase64url(options.challenge),
    allowCredentials: withIds(options.allowCredentials)
  }
}

function answerOf (credential) {
  const response = credential.response
  const answer = {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    clientExtensionResults: credential.getClientExtensionResults(),
    response: { clientDataJSON: toBase64url(response.clientDataJSON) }
  }
  if (credential.authenticatorAttachment) answer.authenticatorAttachment = credential.authenticatorAttachment
  if (response.attestationObject) {
    answer.response.attestationObject = toBase64url(response.attestationObject)
    answer.response.transports = typeof response.getTransports === 'function' ? response.getTransports() : []
  } else {
    answer.response.authenticatorData = toBase64url(response.authenticatorData)
    answer.response.signature = toBase64url(response.signature)
    if (response.userHandle) answer.response.userHandle = toBase64url(response.userHandle)
  }
  return answer
}

async function optionsFor (form, url) {
  const body = new FormData(form)
  const token = body.get('csrf_token') || ''
  try {
    const response = await fetch(url, {
      method: 'POST',
      body: new URLSearchParams(body),
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'X-CSRFToken': token }
    })
    const answer = response.ok ? await response.json() : null
    return answer && !answer.errors ? answer : null
  } catch (error) {
    return null
  }
}

function send (form, answer) {
  const field = form.querySelector('input[name="credential"]')
  field.value = answer ? JSON.stringify(answerOf(answer)) : ''
  // The form's own submit(), which fires no submit event: this handler has run already.
  HTMLFormElement.prototype.submit.call(form)
}

function watch (form, url, ceremony) {
  let busy = false
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    if (busy) return
    busy = true
    for (const button of form.querySelectorAll('button')) button.disabled = true
    const options = await optionsFor(form, url)
    let answer = null
    if (options) {
      try {
        answer = await ceremony(options)
      } catch (error) {
        answer = null // cancelled, timed out, or a key already added: the server says which
      }
    }
    send(form, answer)
  })
}

export function initWebAuthn () {
  if (typeof window.PublicKeyCredential !== 'function' || !navigator.credentials) return
  for (const part of document.querySelectorAll('[data-webauthn-only]')) part.hidden = false
  for (const part of document.querySelectorAll('[data-webauthn-missing]')) part.hidden = true
  for (const form of document.querySelectorAll('form[data-webauthn-register]')) {
    watch(form, form.dataset.webauthnRegister, (options) =>
      navigator.credentials.create({ publicKey: creationOptions(options) }))
  }
  for (const form of document.querySelectorAll('form[data-webauthn-sign-in]')) {
    watch(form, form.dataset.webauthnSignIn, (options) =>
      navigator.credentials.get({ publicKey: requestOptions(options) }))
  }
}
