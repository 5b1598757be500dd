// The same package from an ES module: default and named imports type-check.
import secureToken, { Signer } from 'cdn-secure-token'
import express, { secureLink } from 'cdn-secure-token/express'

const signer: Signer = new secureToken.Signer('my-cdn-key')
const viaNamed = new Signer('my-cdn-key')
const url: string = signer.signUrl('/a.jpg', { ttl: 60 })
const mw = express.secureLink({ signer: viaNamed })
const mw2 = secureLink({ signer })
void url
void mw
void mw2
