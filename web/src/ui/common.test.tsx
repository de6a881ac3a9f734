import { computeAccessibleName, getRole } from "dom-accessibility-api";
import { describe, expect, it } from "vitest";
import { mount } from "../test/render";
import { Card } from "./common";

describe("a card", () => {
  it("is a region named by its heading, each card by its own", () => {
    const root = mount(
      <>
        <Card title="Patches" actions={<button>Download patch (.mbox)</button>}>
          <p>one patch</p>
        </Card>
        <Card title="Agent settings">
          <p>script</p>
        </Card>
      </>,
    );
    const cards = [...root.querySelectorAll("section")];
    expect(cards.map((c) => getRole(c))).toEqual(["region", "region"]);
    expect(cards.map((c) => computeAccessibleName(c))).toEqual(["Patches", "Agent settings"]);
  });
});
