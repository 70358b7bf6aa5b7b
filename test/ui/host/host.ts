import {
  AppBridge,
  PostMessageTransport,
  type McpUiHostContext,
} from "@modelcontextprotocol/ext-apps/app-bridge";
import type { CallToolRequest, CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { HostWindow } from "./start.js";

// A minimal MCP Apps host page for the browser tests: it renders a view's HTML in a sandboxed
// iframe (scripts only: no same-origin, no forms, like the strictest hosts), speaks the host side
// of the extension with ext-apps' AppBridge, and proxies the view's tool calls to the real server
// through a function the test exposes (`hostCallTool`). What the view sends for the model's
// context is kept in `window.modelContext`.

declare global {
  interface Window extends HostWindow {
    /** Exposed by the test: the real server behind the host. */
    hostCallTool(params: CallToolRequest["params"]): Promise<CallToolResult>;
  }
}

window.modelContext = [];

window.startHost = async (start) => {
  document.documentElement.style.colorScheme = start.theme;
  document.body.style.margin = "0";
  document.body.style.background = start.theme === "dark" ? "#111110" : "#e9e8e3";
  const frame = document.createElement("iframe");
  frame.title = "Review card";
  frame.setAttribute("sandbox", "allow-scripts");
  frame.style.cssText = `display:block;border:0;width:${start.width}px;height:200px;margin:0`;
  document.body.append(frame);
  const context: McpUiHostContext = {
    theme: start.theme,
    displayMode: "inline",
    availableDisplayModes: ["inline"],
    platform: "web",
    containerDimensions: { width: start.width },
  };
  const bridge = new AppBridge(
    null,
    start.hostInfo,
    { serverTools: {}, updateModelContext: { text: {} }, logging: {} },
    { hostContext: context },
  );
  bridge.oncalltool = (params) => window.hostCallTool(params);
  bridge.onupdatemodelcontext = (params) => {
    window.modelContext.push(params);
    return Promise.resolve({});
  };
  bridge.onsizechange = ({ height }) => {
    if (height !== undefined) frame.style.height = `${Math.ceil(height)}px`;
  };
  bridge.oninitialized = () => {
    void bridge
      .sendToolInput({ arguments: start.toolInput })
      .then(() => bridge.sendToolResult(start.toolResult));
  };
  const view = frame.contentWindow;
  if (view === null) throw new Error("the iframe has no window");
  await bridge.connect(new PostMessageTransport(view, view));
  frame.srcdoc = start.html;
};
