// ES module entry of `cdn-secure-token/refresh`: the same functions as the CommonJS one.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const helpers = require('./refresh.js')

export const { refreshHandler, refreshRouter } = helpers
export default helpers
