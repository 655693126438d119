// A pass-through HTTP proxy in front of a real provider (llama-server): the host talks to
// it as to the provider, every request body is kept, and the answers stream back
// untouched. Lets a test see what the host sent — e.g. the picture of a frame request.
import { execFileSync } from "node:child_process";
import http from "node:http";

/** Start a proxy to `upstream` (a base URL like http://127.0.0.1:1234); `requests` fills up. */
export async function startRecordingProxy(upstream) {
  const target = new URL(upstream);
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      let json = null;
      try { json = body.length ? JSON.parse(body) : null; } catch (e) { /* not JSON: kept as null */ }
      requests.push({ method: req.method, path: req.url, json });
      const out = http.request(
        // A fresh connection each time: a kept-alive one the server already closed would
        // fail the request ("socket hang up") for no fault of the host.
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host }, agent: false },
        (answer) => { res.writeHead(answer.statusCode, answer.headers); answer.pipe(res); },
      );
      out.on("error", (e) => { res.writeHead(502); res.end(String(e)); });
      out.end(body);
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    /** The images (decoded bytes) of every chat request so far, oldest first. */
    images() {
      const found = [];
      for (const r of requests) {
        for (const m of (r.json && r.json.messages) || []) {
          for (const part of Array.isArray(m.content) ? m.content : []) {
            const url = part.image_url && part.image_url.url;
            const data = typeof url === "string" && url.match(/^data:([^;]+);base64,(.*)$/s);
            if (data) found.push({ mime: data[1], bytes: Buffer.from(data[2], "base64") });
          }
        }
      }
      return found;
    },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

/** Width and height of a baseline or progressive JPEG, from its SOF segment. */
export function jpegSize(bytes) {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new Error("not a JPEG");
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) throw new Error(`bad JPEG marker at ${i}`);
    const marker = bytes[i + 1];
    const length = bytes.readUInt16BE(i + 2);
    const sof = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
    if (sof) return { width: bytes.readUInt16BE(i + 7), height: bytes.readUInt16BE(i + 5) };
    i += 2 + length;
  }
  throw new Error("JPEG without a frame header");
}

/** The picture scaled to `n`×`n` grey levels (0–255), row by row (decoded by ffmpeg). */
export function greyGrid(bytes, n = 16) {
  const raw = execFileSync("ffmpeg", [
    "-loglevel", "error", "-f", "image2pipe", "-i", "-", "-vf", `scale=${n}:${n}:flags=area`, "-f", "rawvideo", "-pix_fmt", "gray", "-",
  ], { input: bytes });
  return [...raw];
}
