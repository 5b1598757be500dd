// ES module entry: the same native binding as `require('secure-token')`.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const binding = require('./index.js')

export const { Signer, VERSION } = binding
export default binding
