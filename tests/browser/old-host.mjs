#!/usr/bin/env node
// A stand-in for a glossa-host release from before the handshake: speaks native messaging
// (4-byte native-endian length + JSON) and answers every request the way such a host
// does, with `unknown_type`. Used to check the extension's "host too old" panel.
let buf = Buffer.alloc(0);
process.stdin.on("data", (d) => {
  buf = Buffer.concat([buf, d]);
  while (buf.length >= 4) {
    const len = buf.readUInt32LE(0);
    if (buf.length < 4 + len) break;
    const msg = JSON.parse(buf.subarray(4, 4 + len).toString("utf8"));
    buf = buf.subarray(4 + len);
    const reply = Buffer.from(JSON.stringify({
      id: msg.id, event: "error", code: "unknown_type",
      message: `This host does not understand requests of type \`${msg.type}\`.`,
      hint: "The host is probably older than the extension: update it and run `glossa-host install` again.",
    }));
    const head = Buffer.alloc(4);
    head.writeUInt32LE(reply.length, 0);
    process.stdout.write(Buffer.concat([head, reply]));
  }
});
