// Renders Preact components into the test file's DOM: happy-dom, for the *.test.tsx files (the "components" project
// in vite.config.ts). What a test mounts is unmounted and removed after it, so tests never see each other's nodes.
import { render, type ComponentChild } from "preact";
import { act } from "preact/test-utils";
import { afterEach } from "vitest";

const mounted: HTMLElement[] = [];

afterEach(() => {
  for (const container of mounted.splice(0)) {
    render(null, container);
    container.remove();
  }
});

/** Renders `ui` into a fresh element in the document, effects and all, and returns that element. */
export function mount(ui: ComponentChild): HTMLElement {
  const container = document.createElement("div");
  document.body.append(container);
  mounted.push(container);
  act(() => render(ui, container));
  return container;
}
