// How an OpenAI-compatible server streams a chat answer (`stream: true`): server-sent
// events of `chat.completion.chunk`s, a few characters each (like tokens), a last chunk
// with `finish_reason`, then `data: [DONE]`. Shared by the scripted test servers.

/**
 * Write `reply` to `res` as a streamed chat completion: `charsPerEvent` characters per
 * event, `gapMs` apart (0: no wait). Stops quietly when the client has gone.
 */
export async function streamChatReply(res, reply, { charsPerEvent = 3, gapMs = 5 } = {}) {
  res.writeHead(200, { "content-type": "text/event-stream" });
  const chars = [...reply];
  for (let i = 0; i < chars.length; i += charsPerEvent) {
    if (res.destroyed) return;
    const chunk = { object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: chars.slice(i, i + charsPerEvent).join("") } }] };
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
  }
  res.write(`data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n`);
  res.end("data: [DONE]\n\n");
}
