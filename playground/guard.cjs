// Preloaded into the Agents Playground (node --require): keeps it on this machine and
// ties its life to the process that started it.
//
// * Every server it opens listens on loopback only (the Playground itself listens on all
//   interfaces, and it is an unauthenticated Bot Connector).
// * With PLAYGROUND_EXIT_WITH_PARENT=1 it exits when its standard input closes, which
//   happens when the parent (make playground, the browser test) is gone, however it ended.
"use strict";

const net = require("net");

const HOST = process.env.PLAYGROUND_HOST || "127.0.0.1";
const originalListen = net.Server.prototype.listen;

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const first = args[0];
  if (args.length === 0 || typeof first === "function") {
    args.unshift(0, HOST); // listen() / listen(callback): a random port
  } else if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    if (typeof args[1] !== "string") args.splice(1, 0, HOST); // listen(port[, backlog][, callback])
  } else if (first && typeof first === "object" && first.host === undefined &&
             first.path === undefined && first.fd === undefined && first.handle === undefined &&
             !(first instanceof net.Server) && !(first instanceof net.Socket)) {
    args[0] = { ...first, host: HOST }; // listen({port})
  }
  return originalListen.apply(this, args);
};

if (process.env.PLAYGROUND_EXIT_WITH_PARENT === "1") {
  process.stdin.on("end", () => process.exit(0));
  process.stdin.on("error", () => process.exit(0));
  process.stdin.resume();
}
