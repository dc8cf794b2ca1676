// Build SEN Track's front-end assets into sentrack/static (committed, so the
// app runs without Node.js). Run with `npm ci && npm run build`.
//
//   sentrack/assets/sentrack.scss  ->  sentrack/static/css/sentrack.css  (compressed, no source map)
//   govuk-frontend.min.js          ->  sentrack/static/vendor/govuk-frontend.min.js  (ES module)
//   moj-frontend.min.js            ->  sentrack/static/vendor/moj-frontend.min.js    (ES module)
//   every image or font the CSS refers to -> sentrack/static/vendor/assets/...
//
// The build fails if any url() in the compiled CSS cannot be served, or if the
// CSS contains a "GDS Transport" @font-face.

import { mkdir, readFile, rm, writeFile, copyFile, access } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as sass from 'sass'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const nodeModules = path.join(root, 'node_modules')
const govukDist = path.join(nodeModules, 'govuk-frontend', 'dist', 'govuk')
const mojDist = path.join(nodeModules, '@ministryofjustice', 'frontend', 'moj')

const source = path.join(root, 'sentrack', 'assets', 'sentrack.scss')
const staticDir = path.join(root, 'sentrack', 'static')
const cssFile = path.join(staticDir, 'css', 'sentrack.css')
const vendorDir = path.join(staticDir, 'vendor')

// The URL prefix Flask serves sentrack/static under.
const staticUrl = '/static/'
// Where the Sass sets $moj-assets-path (and so $govuk-assets-path).
const assetsUrl = '/static/vendor/assets/'
// Folders a referenced asset may come from, searched in order.
const assetSources = [path.join(mojDist, 'assets'), path.join(govukDist, 'assets')]

const vendorScripts = [
  [path.join(govukDist, 'govuk-frontend.min.js'), 'govuk-frontend.min.js'],
  [path.join(mojDist, 'moj-frontend.min.js'), 'moj-frontend.min.js']
]

async function exists (file) {
  try {
    await access(file)
    return true
  } catch {
    return false
  }
}

function fail (message) {
  console.error(`build-assets: ${message}`)
  process.exit(1)
}

function isDependencyWarning (options) {
  // GOV.UK Frontend warns about deprecated mixins that MOJ Frontend still uses.
  // Keep quiet about warnings raised while a package under node_modules is
  // being loaded; show any raised by our own Sass (its frame is the last one,
  // and the frame before it is then a mixin or function call, not a load).
  const frames = (options.stack ?? '').split('\n').filter((line) => line.trim())
  if (frames.length < 2) return false
  const loadingFrame = frames[frames.length - 2].trim()
  return loadingFrame.includes('node_modules') && /@(use|forward|import)$/.test(loadingFrame)
}

function compileCss () {
  let hidden = 0
  const result = sass.compile(source, {
    style: 'compressed',
    sourceMap: false,
    loadPaths: [root],
    quietDeps: true,
    logger: {
      warn (message, options) {
        if (isDependencyWarning(options)) {
          hidden += 1
          return
        }
        console.warn(`Sass warning: ${message}\n${options.stack ?? ''}`)
      },
      debug (message) {
        console.warn(`Sass debug: ${message}`)
      }
    }
  })
  if (hidden) console.log(`build-assets: ${hidden} warning(s) from GOV.UK/MOJ Frontend's own Sass not shown`)
  return result.css
}

function referencedUrls (css) {
  const urls = new Set()
  for (const match of css.matchAll(/url\(\s*(["']?)([^"')]+)\1\s*\)/g)) {
    urls.add(match[2])
  }
  return [...urls].sort()
}

async function copyReferencedAssets (css) {
  const copied = []
  for (const url of referencedUrls(css)) {
    if (url.startsWith('data:')) continue
    if (!url.startsWith(assetsUrl)) fail(`unexpected url(${url}) in the CSS: it is not under ${assetsUrl}`)
    const relative = url.slice(assetsUrl.length).split(/[?#]/)[0]
    if (relative.includes('..')) fail(`refusing url(${url})`)
    let from = null
    for (const dir of assetSources) {
      const candidate = path.join(dir, ...relative.split('/'))
      if (await exists(candidate)) {
        from = candidate
        break
      }
    }
    if (!from) fail(`url(${url}) in the CSS matches no file in ${assetSources.join(' or ')}`)
    const to = path.join(staticDir, ...url.slice(staticUrl.length).split(/[?#]/)[0].split('/'))
    await mkdir(path.dirname(to), { recursive: true })
    await copyFile(from, to)
    copied.push(url)
  }
  return copied
}

async function checkUrlsResolve (css) {
  for (const url of referencedUrls(css)) {
    if (url.startsWith('data:')) continue
    const file = path.join(staticDir, ...url.slice(staticUrl.length).split(/[?#]/)[0].split('/'))
    if (!url.startsWith(staticUrl) || !(await exists(file))) fail(`broken url(${url}) in ${cssFile}`)
  }
}

async function copyVendorScript (from, name) {
  // Drop the trailing source map comment: the .map files are not shipped.
  const code = (await readFile(from, 'utf8')).replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n')
  await writeFile(path.join(vendorDir, name), code)
}

async function main () {
  if (!(await exists(govukDist)) || !(await exists(mojDist))) fail('node_modules is missing: run `npm ci` first')

  const css = compileCss()
  if (/@font-face[^}]*GDS Transport/i.test(css)) fail('the CSS contains a "GDS Transport" @font-face')

  // Start from an empty vendor folder so files no longer referenced do not linger.
  await rm(vendorDir, { recursive: true, force: true })
  await mkdir(vendorDir, { recursive: true })
  await mkdir(path.dirname(cssFile), { recursive: true })

  await writeFile(cssFile, css.endsWith('\n') ? css : `${css}\n`)
  const copied = await copyReferencedAssets(css)
  await checkUrlsResolve(css)
  for (const [from, name] of vendorScripts) await copyVendorScript(from, name)

  console.log(`build-assets: wrote ${path.relative(root, cssFile)} (${css.length} bytes)`)
  console.log(`build-assets: copied ${copied.length} assets referenced by the CSS and ${vendorScripts.length} vendor scripts into ${path.relative(root, vendorDir)}`)
}

await main()
