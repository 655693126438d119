#!/usr/bin/env node
// A stand-in for a glossa-host newer than the extension: it speaks the same protocol, but
// its errors carry a `_locales` key this extension does not know (beside one it knows).
// Used to check that such a message falls back to the host's English, the known hint is
// still translated.
let buf = Buffer.alloc(0);
const send = (event) => {
  const reply = Buffer.from(JSON.stringify(event));
  const head = Buffer.alloc(4);
  head.writeUInt32LE(reply.length, 0);
  process.stdout.write(Buffer.concat([head, reply]));
};
process.stdin.on("data", (d) => {
  buf = Buffer.concat([buf, d]);
  while (buf.length >= 4) {
    const len = buf.readUInt32LE(0);
    if (buf.length < 4 + len) break;
    const msg = JSON.parse(buf.subarray(4, 4 + len).toString("utf8"));
    buf = buf.subarray(4 + len);
    if (msg.type === "hello") {
      send({ id: msg.id, event: "hello", host_version: "99.0.0", protocol: msg.protocol, compatible: true });
      send({ id: msg.id, event: "done" });
    } else {
      send({
        id: msg.id, event: "error", code: "provider_error",
        message: "The quantum translator is recalibrating.", hint: "Try again.",
        message_text: { key: "errQuantumRecalibrating", args: ["flux"] }, hint_text: { key: "hintTryAgain" },
      });
    }
  }
});
