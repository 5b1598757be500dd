// ES module entry: the same binding as `require("cdn-secure-token")` (main.js over the loader napi build generates).
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const binding = require('./main.js')

export const { PreparedOptions, SignBuffer, Signer, VERSION } = binding
export default binding
