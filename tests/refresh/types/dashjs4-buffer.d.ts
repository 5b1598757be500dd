// dash.js 4.7's index.d.ts names Node's `Buffer` (for a browser library); this stands in for
// it so the real types are checked without skipLibCheck (which would skip player.d.ts too).
type Buffer = Uint8Array
