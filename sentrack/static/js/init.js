// Loaded as <script type="module"> at the end of <body>. Browsers without ES
// module support skip it, and the page works without JavaScript.
import { initAll as initGovukFrontend } from '../vendor/govuk-frontend.min.js'
import { initAll as initMojFrontend } from '../vendor/moj-frontend.min.js'
import { initSaveOnce } from './save-once.js'
import { initSideSubmits } from './side-submit.js'
import { initDrafts } from './drafts.js'
import { initTimeoutWarning } from './timeout-warning.js'
import { initWebAuthn } from './webauthn.js'

initGovukFrontend()
initMojFrontend()
initSaveOnce()
initSideSubmits()
initDrafts()
initTimeoutWarning()
initWebAuthn()
