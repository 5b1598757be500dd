// ES module entry of `cdn-secure-token/express`: the same functions as the CommonJS one.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const helpers = require('./express.js')

export const { secureLink, signedUrls, clientIp } = helpers
export default helpers
