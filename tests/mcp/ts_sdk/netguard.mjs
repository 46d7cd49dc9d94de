// Loaded with `node --import ./netguard.mjs`: refuses, in this process, every connection and
// DNS look-up that is not loopback, before anything is sent. The vendor SDK checks the npm
// registry for a newer version and has telemetry; against the emulator nothing may leave.
import dns from "node:dns";
import net from "node:net";

const blocked = [];
globalThis.__netguardBlocked = blocked;
const LOCAL_NAMES = new Set(["localhost", "localhost.", "ip6-localhost", "ip6-loopback"]);

export function isLoopback(host) {
  if (host === undefined || host === null || host === "") return true; // node's default: localhost
  let h = String(host).trim().toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  if (LOCAL_NAMES.has(h) || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  if (h.startsWith("::ffff:")) h = h.slice(7);
  return net.isIPv4(h) && h.startsWith("127.");
}

function refuse(kind, what) {
  blocked.push(`${kind} ${what}`);
  const err = new Error(`netguard: refused ${kind} to non-loopback ${what} (loopback only)`);
  err.code = kind === "lookup" ? "ENOTFOUND" : "ECONNREFUSED";
  return err;
}

const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
  let opts = args[0];
  if (Array.isArray(opts)) opts = opts[0]; // internal normalized form
  let host;
  let path;
  if (opts !== null && typeof opts === "object") {
    host = opts.host;
    path = opts.path;
  } else if (typeof opts === "string" && Number.isNaN(Number(opts))) {
    path = opts; // an IPC path
  } else {
    host = typeof args[1] === "string" ? args[1] : undefined;
  }
  if (!path && !isLoopback(host)) {
    const err = refuse("connect", host);
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return realConnect.apply(this, args);
};

const realLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  const cb = typeof options === "function" ? options : callback;
  if (!isLoopback(hostname)) {
    const err = refuse("lookup", hostname);
    process.nextTick(() => cb(err));
    return {};
  }
  return realLookup.call(this, hostname, options, callback);
};
const realPromiseLookup = dns.promises.lookup;
dns.promises.lookup = async function lookup(hostname, options) {
  if (!isLoopback(hostname)) throw refuse("lookup", hostname);
  return realPromiseLookup.call(this, hostname, options);
};

const realFetch = globalThis.fetch;
globalThis.fetch = async function fetch(input, init) {
  const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
  if (!isLoopback(url.hostname)) throw refuse("fetch", url.origin);
  return realFetch(input, init);
};

process.on("exit", () => {
  if (blocked.length) process.stderr.write(`netguard blocked: ${JSON.stringify(blocked)}\n`);
});
