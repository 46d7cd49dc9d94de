// Drives the vendor's TypeScript SDK (@composio/core) through every session operation
// against a running emulator. Reads COMPOSIO_BASE_URL, COMPOSIO_API_KEY and EMU_USER (a
// user with gmail and github connected). Prints one JSON object per step, then a summary:
//   {"step": name, "status": "pass" | "fail" | "refused", "detail": ...}
// "refused" is the SDK declining on purpose before any request (its guard against
// loopback storage URLs); "fail" is anything else that went wrong.
import { Composio } from "@composio/core";

const BASE = process.env.COMPOSIO_BASE_URL;
const KEY = process.env.COMPOSIO_API_KEY;
const USER = process.env.EMU_USER ?? "ts-user";
const results = [];

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

function isLoopbackRefusal(err) {
  const text = `${err?.name ?? ""} ${err?.code ?? ""} ${err?.message ?? ""}`;
  return /BlockedInternalUrl|private, loopback|loopback/i.test(text) && !/netguard/.test(text);
}

async function step(name, fn) {
  try {
    const detail = await fn();
    results.push({ step: name, status: "pass", detail: detail ?? null });
  } catch (err) {
    const status = isLoopbackRefusal(err) ? "refused" : "fail";
    results.push({ step: name, status, detail: `${err?.name ?? "Error"}: ${err?.message ?? err}` });
  }
  console.log(JSON.stringify(results[results.length - 1]));
}

const composio = new Composio({ apiKey: KEY, baseURL: BASE, allowTracking: false });
const toolkits = ["gmail", "github", "slack", "weather", "text", "utils"];
let session;
let withMcp;
let link;

await step("sessions.create", async () => {
  session = await composio.create(USER, { toolkits, manageConnections: true });
  check(session.sessionId.startsWith("trs_"), session.sessionId);
  return session.sessionId;
});
await step("sessions.create with mcp", async () => {
  withMcp = await composio.create(USER, { toolkits, mcp: true });
  check(withMcp.mcp.url.includes(`/tool_router/${withMcp.sessionId}/mcp`), withMcp.mcp.url);
  return withMcp.mcp.url;
});
await step("sessions.use", async () => {
  const again = await composio.sessions.use(session.sessionId);
  check(again.sessionId === session.sessionId, "same id");
});
await step("session config and preload", async () => {
  check(session.config !== undefined, "config");
  check(session.configVersion === 1, `configVersion ${session.configVersion}`);
});
await step("session.tools (OpenAI provider)", async () => {
  const tools = await session.tools();
  const names = tools.map((t) => t.function?.name ?? t.name);
  check(names.includes("COMPOSIO_SEARCH_TOOLS"), names.join(","));
  return names.length;
});
await step("session.search", async () => {
  const found = await session.search({ query: "send an email" });
  const slugs = JSON.stringify(found);
  check(slugs.includes("GMAIL_SEND_EMAIL"), slugs.slice(0, 200));
});
await step("session.search narrowed to toolkits", async () => {
  const found = await session.search({ query: "create an issue or send a message", toolkits: ["github"] });
  const text = JSON.stringify(found);
  check(text.includes("GITHUB_CREATE_ISSUE"), text.slice(0, 200));
  check(!text.includes("SLACK_SEND_MESSAGE"), "slack tools left out");
});
await step("session.execute app tool", async () => {
  const r = await session.execute("GMAIL_SEND_EMAIL", { recipient_email: "a@example.com", subject: "s", body: "b" });
  check(r.error === null, r.error);
  check(r.logId.startsWith("log_"), r.logId);
});
await step("session.execute no-auth tool", async () => {
  const r = await session.execute("WEATHER_GET_FORECAST", { city: "Lisbon", days: 2 });
  check(r.error === null && r.data.forecast.length === 2, JSON.stringify(r));
});
await step("session.execute failing tool", async () => {
  const r = await session.execute("UTILS_FAIL", { message: "boom" });
  check(typeof r.error === "string" && r.error.includes("boom"), JSON.stringify(r));
});
await step("session.execute github tool", async () => {
  const r = await session.execute("GITHUB_CREATE_ISSUE", { owner: "acme", repo: "w", title: "From TS" });
  check(r.error === null && r.data.issue.number === 1, JSON.stringify(r));
});
await step("session.execute COMPOSIO_SEARCH_TOOLS", async () => {
  const r = await session.execute("COMPOSIO_SEARCH_TOOLS", { queries: [{ use_case: "weather forecast" }] });
  check(r.error === null, r.error);
});
await step("session.execute COMPOSIO_MULTI_EXECUTE_TOOL", async () => {
  const r = await session.execute("COMPOSIO_MULTI_EXECUTE_TOOL", {
    tools: [
      { tool_slug: "TEXT_UPPERCASE", arguments: { text: "a" } },
      { tool_slug: "WEATHER_GET_CURRENT", arguments: { city: "Oslo" } },
    ],
    sync_response_to_workbench: false,
  });
  check(r.error === null, r.error);
});
await step("session.execute COMPOSIO_MANAGE_CONNECTIONS", async () => {
  const r = await session.execute("COMPOSIO_MANAGE_CONNECTIONS", { toolkits: ["gmail"] });
  check(r.error === null, r.error);
});
await step("session.toolkits", async () => {
  const page = await session.toolkits();
  check(page.items.length >= 5, JSON.stringify(page).slice(0, 200));
});
await step("session.toolkits connected only", async () => {
  const page = await session.toolkits({ isConnected: true });
  const slugs = page.items.map((t) => t.slug);
  check(slugs.includes("gmail") && !slugs.includes("slack"), slugs.join(","));
});
await step("session.toolkits by slug", async () => {
  const page = await session.toolkits({ toolkits: ["github"] });
  check(page.items.length === 1 && page.items[0].slug === "github", JSON.stringify(page.items));
});
await step("session.authorize", async () => {
  link = await session.authorize("slack", { callbackUrl: "https://app.example.com/done" });
  check(typeof link.redirectUrl === "string" && link.redirectUrl.includes("/link/"), link.redirectUrl);
});
await step("complete the link with a GET (no browser)", async () => {
  const res = await fetch(link.redirectUrl);
  check(res.status === 200, `status ${res.status}`);
});
await step("connectionRequest.waitForConnection", async () => {
  const account = await link.waitForConnection(10_000);
  check(account.status === "ACTIVE", account.status);
});
await step("session.ensureConnected", async () => {
  const r = await session.ensureConnected("gmail");
  check(r.wasConnected === true, JSON.stringify(r));
});
await step("session.proxyExecute", async () => {
  const r = await session.proxyExecute({ toolkit: "github", endpoint: "/user", method: "GET" });
  check(r.status === 200, JSON.stringify(r));
});
await step("session.update", async () => {
  await session.update({ toolkits: ["gmail", "github"] });
  check(session.configVersion === 2, `configVersion ${session.configVersion}`);
});
await step("session.listConfigHistory", async () => {
  const page = await session.listConfigHistory();
  check(page.items.length === 2, JSON.stringify(page).slice(0, 200));
});
const files = () => session.experimental.files;
await step("session files: list (empty, last page)", async () => {
  const page = await files().list();
  check(Array.isArray(page.items) && page.items.length === 0, JSON.stringify(page));
});
await step("session files: list after a raw upload", async () => {
  // Put a file there over the wire (the SDK's own upload is refused below), so that the
  // download reaches the presigned URL.
  const headers = { "x-api-key": KEY, "content-type": "application/json" };
  const mount = `${BASE}/api/v3.1/tool_router/session/${session.sessionId}/mounts/files`;
  const grant = await (
    await fetch(`${mount}/upload_url`, {
      method: "POST",
      headers,
      body: JSON.stringify({ mount_relative_path: "notes/seeded.txt" }),
    })
  ).json();
  const put = await fetch(grant.upload_url, { method: "PUT", body: "seeded" });
  check(put.ok, `PUT ${put.status}`);
  const page = await files().list();
  check(page.items.length === 1 && page.next_cursor === undefined, JSON.stringify(page));
});
await step("session files: upload", async () => {
  await files().upload(new TextEncoder().encode("hello"), { remotePath: "notes/hello.txt" });
});
await step("session files: download", async () => {
  await files().download("notes/seeded.txt");
});
await step("session files: delete", async () => {
  await files().delete("notes/seeded.txt");
  const page = await files().list();
  check(page.items.length === 0, JSON.stringify(page));
});
// The session's MCP endpoint, from JavaScript, with the URL and headers the SDK hands out.
async function rpc(body, sessionId) {
  const headers = {
    ...withMcp.mcp.headers,
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
  };
  if (sessionId) headers["mcp-session-id"] = sessionId;
  const res = await fetch(withMcp.mcp.url, { method: "POST", headers, body: JSON.stringify(body) });
  const text = await res.text();
  const json = res.headers.get("content-type")?.startsWith("text/event-stream")
    ? JSON.parse(text.split("\n").filter((l) => l.startsWith("data: ")).pop().slice(6))
    : text && JSON.parse(text);
  return { res, json };
}
let mcpSession;
await step("mcp: initialize", async () => {
  const { res, json } = await rpc({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "ts", version: "1" } },
  });
  mcpSession = res.headers.get("mcp-session-id");
  check(json.result.protocolVersion === "2025-11-25" && mcpSession, JSON.stringify(json));
  await rpc({ jsonrpc: "2.0", method: "notifications/initialized" }, mcpSession);
});
await step("mcp: tools/list and tools/call", async () => {
  const listed = await rpc({ jsonrpc: "2.0", id: 2, method: "tools/list" }, mcpSession);
  check(listed.json.result.tools.some((t) => t.name === "COMPOSIO_SEARCH_TOOLS"), "search listed");
  const called = await rpc(
    {
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: { name: "COMPOSIO_SEARCH_TOOLS", arguments: { queries: [{ use_case: "send an email" }] } },
    },
    mcpSession,
  );
  check(called.json.result.isError === false, JSON.stringify(called.json).slice(0, 200));
});
await step("session.delete", async () => {
  const r = await session.delete();
  check(r.deleted === true || r.sessionId === session.sessionId, JSON.stringify(r));
});
await step("sessions.use after delete fails", async () => {
  let failed = false;
  try {
    await composio.sessions.use(session.sessionId);
  } catch {
    failed = true;
  }
  check(failed, "a deleted session must not open");
});
await step("sessions.delete by id", async () => {
  await composio.sessions.delete(withMcp.sessionId);
});

const summary = {
  total: results.length,
  passed: results.filter((r) => r.status === "pass").length,
  refused: results.filter((r) => r.status === "refused").map((r) => r.step),
  failed: results.filter((r) => r.status === "fail").map((r) => r.step),
  netguard_blocked: globalThis.__netguardBlocked ?? null,
};
console.log(JSON.stringify({ summary }));
