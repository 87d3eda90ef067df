// workerd's own `process` (nodejs_compat), for `require("node:process")` under the vitest pool: see pool-node-compat.ts.
module.exports = globalThis.process;
