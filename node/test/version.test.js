'use strict'
// One version: [workspace.package] in Cargo.toml, package.json, and the addon's VERSION.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { VERSION } = require('..')
const { NODE_DIR, REPO } = require('./support.cjs')

function workspaceVersion() {
  const toml = fs.readFileSync(path.join(REPO, 'Cargo.toml'), 'utf8')
  const section = toml.split(/^\[workspace\.package\]\s*$/m)[1]
  assert.ok(section, 'Cargo.toml has no [workspace.package]')
  const m = /^version\s*=\s*"([^"]+)"/m.exec(section.split(/^\[/m)[0])
  assert.ok(m, '[workspace.package] has no version')
  return m[1]
}

test('package.json version is the workspace version', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(NODE_DIR, 'package.json'), 'utf8'))
  assert.equal(pkg.name, 'cdn-secure-token')
  assert.equal(pkg.version, workspaceVersion())
})

test('the addon reports the same version', () => {
  assert.equal(VERSION, workspaceVersion())
})
