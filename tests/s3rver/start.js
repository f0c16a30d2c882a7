// Starts the S3 test server on loopback and prints "PORT" on stdout once it
// listens. The package ships no executable, so we drive its library.
// usage: node start.js DATADIR [PORT]
'use strict'
const S3rver = require('@20minutes/s3rver')

const directory = process.argv[2]
const port = Number(process.argv[3] || 0)
if (!directory) {
  console.error('usage: node start.js DATADIR [PORT]')
  process.exit(2)
}
new S3rver({
  directory,
  address: '127.0.0.1',
  port,
  silent: !process.env.S3RVER_LOG,
  vhostBuckets: false,
})
  .run()
  .then(({ port }) => console.log(port))
  .catch((e) => {
    console.error('s3rver: ' + e.message)
    process.exit(1)
  })
