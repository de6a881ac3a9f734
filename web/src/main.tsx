import { render } from "preact";
import { App } from "./ui/App";
import "./styles.css";

// Same origin as the page: the orchestrator serves the app and gRPC-Web on its web port (Vite proxies in dev).
const baseUrl = location.origin;
const root = document.getElementById("app");
if (root !== null) {
  render(<App baseUrl={baseUrl} />, root);
}
