// Small form pieces shared by the new-task, task-settings, template and repository forms, and the one editor
// of the agent fields (vendor/model, backup, turns, billing, delivery flow, verification, allowed tools).
import { cloneElement, createContext, isValidElement, type ComponentChildren } from "preact";
import { useContext, useId, useState } from "preact/hooks";
import { DeliveryFlow } from "../gen/devserver/tasks/v1/tasks_pb";
import { BillingMode } from "../gen/devserver/work/v1/agent_pb";
import {
  BILLING_NAMES,
  FLOW_NAMES,
  KNOWN_VENDORS,
  MAX_TURNS,
  TURN_PRESETS,
  type AgentFields,
  type FieldErrors,
  type TurnChoice,
} from "../views/agentFields";
import { PRIORITY_NAMES } from "../views/format";

/** The typed text of an input, select or text area. */
export function valueOf(e: Event): string {
  return (e.currentTarget as HTMLInputElement).value;
}

export function checkedOf(e: Event): boolean {
  return (e.currentTarget as HTMLInputElement).checked;
}

/**
 * One form field: its name, the control, a hint and an error. A label names exactly one control and may not hold
 * another label, so a field of controls that carry their own labels (a Check, radios) is a `group`: a fieldset named
 * by its legend. Around a Check, a label would nest labels, put the field's name in front of the box's own, and
 * toggle the box on a click on the field's name. The hint and the error stay outside the label (inside it, they
 * would be read as part of the control's name) and describe the field's controls instead (`aria-describedby`; an
 * error also marks them `aria-invalid`).
 *
 * A composite field (Max turns: a select and, for "other number…", a number input; the forge token: a select and a
 * password box) gets the description on each of its controls, not on a wrapping `role="group"`: a screen reader reads
 * a description when the control it describes gets focus, which is where a person typing is (and where a form-field
 * jump lands), while a group's description is read, if at all, only on entering the group, differently per screen
 * reader; and ARIA 1.2 supports `aria-invalid` on form widgets, not on a group, so the error state has to sit on the
 * controls anyway. The label still names the first control, the others keep their own names.
 */
export function Field({
  label,
  error,
  hint,
  wide,
  group,
  children,
}: {
  label: string;
  error?: string | undefined;
  hint?: ComponentChildren;
  wide?: boolean;
  group?: boolean;
  children: ComponentChildren;
}) {
  const id = useId();
  const hintId = hint !== undefined ? `${id}-hint` : undefined;
  const errorId = error !== undefined ? `${id}-error` : undefined;
  const cls = `pf-field${wide === true ? " wide" : ""}${error !== undefined ? " invalid" : ""}`;
  const notes = (
    <>
      {hint !== undefined && <span id={hintId} class="pf-hint">{hint}</span>}
      {error !== undefined && <span id={errorId} class="pf-error">{error}</span>}
    </>
  );
  const described: Description = { "aria-describedby": joinIds(hintId, errorId), "aria-invalid": error !== undefined ? "true" : undefined };
  return group === true ? (
    <fieldset class={cls} aria-describedby={described["aria-describedby"]}>
      <legend class="pf-label">{label}</legend>
      {children}
      {notes}
    </fieldset>
  ) : (
    <div class={cls}>
      <label class="pf-control">
        <span class="pf-label">{label}</span>
        <FieldDescription.Provider value={described}>{describeControls(children, described)}</FieldDescription.Provider>
      </label>
      {notes}
    </div>
  );
}

function joinIds(...ids: (string | undefined)[]): string | undefined {
  const present = ids.filter((i) => i !== undefined);
  return present.length > 0 ? present.join(" ") : undefined;
}

/** What a field's hint and error add to each of its controls. */
interface Description {
  "aria-describedby"?: string | undefined;
  "aria-invalid"?: "true" | undefined;
}

const FieldDescription = createContext<Description>({});

/**
 * The description of the Field around a component's controls: a component that renders controls of its own (a
 * composite such as TurnLimitInput) spreads it on each, as the Field cannot reach into what a component renders.
 */
export function useFieldDescription(): Description {
  return useContext(FieldDescription);
}

const CONTROLS: ReadonlySet<string> = new Set(["input", "select", "textarea"]);

/**
 * The field's children with the description on every input, select and text area among them, however deep in plain
 * elements (the forge token's span holds a select and a password box; a list input sits beside its datalist).
 * Components are left to useFieldDescription.
 */
function describeControls(children: ComponentChildren, described: Description): ComponentChildren {
  // Arrays keep their shape, holes (a `cond && <input />` that is false) included: Preact matches unkeyed children by
  // position, so dropping a hole would shift the next control onto another's DOM node.
  if (Array.isArray(children)) {
    return children.map((child: ComponentChildren) => describeControls(child, described));
  }
  if (!isValidElement(children) || typeof children.type !== "string") {
    return children;
  }
  if (CONTROLS.has(children.type)) {
    return cloneElement(children, described);
  }
  const inner = (children.props as { children?: ComponentChildren }).children;
  return inner === undefined ? children : cloneElement(children, undefined, describeControls(inner, described));
}

/** A checkbox named by its own text; inside a Field, that Field is a `group`. */
export function Check({ label, checked, onChange, disabled }: { label: string; checked: boolean; onChange: (v: boolean) => void; disabled?: boolean }) {
  return (
    <label class="pf-check">
      <input type="checkbox" checked={checked} disabled={disabled} onChange={(e) => onChange(checkedOf(e))} /> {label}
    </label>
  );
}

export function enumOptions<T extends number>(names: Record<T, string>) {
  return (Object.entries(names) as [string, string][]).map(([value, name]) => (
    <option key={value} value={value}>
      {name}
    </option>
  ));
}

export function PrioritySelect({ value, onChange, allowNone, disabled }: { value: number; onChange: (v: number) => void; allowNone?: boolean; disabled?: boolean }) {
  const described = useFieldDescription();
  return (
    <select value={value} disabled={disabled} onChange={(e) => onChange(Number(valueOf(e)))} {...described}>
      {allowNone === true && <option value={0}>— (the task's own)</option>}
      {[1, 2, 3, 4].map((p) => (
        <option key={p} value={p}>
          {p} · {PRIORITY_NAMES[p]}
        </option>
      ))}
    </select>
  );
}

const OTHER = "other";

export function TurnLimitInput({ value, onChange, disabled }: { value: TurnChoice; onChange: (v: TurnChoice) => void; disabled?: boolean }) {
  const isPreset = value.kind === "max" && (TURN_PRESETS as readonly number[]).includes(value.turns);
  // "Other number" stays chosen while the typed number happens to equal a preset.
  const [custom, setCustom] = useState(value.kind === "max" && !isPreset);
  // A composite: the Field's hint and error describe both the select and the number box (see Field).
  const described = useFieldDescription();
  const selected =
    value.kind === "default" ? "default" : value.kind === "unlimited" ? "unlimited" : custom || !isPreset ? OTHER : String(value.turns);
  return (
    <span class="turns">
      <select
        value={selected}
        disabled={disabled}
        {...described}
        onChange={(e) => {
          const v = valueOf(e);
          setCustom(v === OTHER);
          if (v === "default" || v === "unlimited") {
            onChange({ kind: v });
          } else if (v === OTHER) {
            onChange({ kind: "max", turns: value.kind === "max" ? value.turns : 30 });
          } else {
            onChange({ kind: "max", turns: Number(v) });
          }
        }}
      >
        <option value="default">configured default</option>
        {TURN_PRESETS.map((n) => (
          <option key={n} value={String(n)}>
            {n} turns
          </option>
        ))}
        <option value={OTHER}>other number…</option>
        <option value="unlimited">unlimited</option>
      </select>
      {selected === OTHER && value.kind === "max" && (
        <input
          type="number"
          min={1}
          max={MAX_TURNS}
          step={1}
          value={Number.isFinite(value.turns) ? value.turns : ""}
          disabled={disabled}
          aria-label="maximum turns"
          {...described}
          onInput={(e) => onChange({ kind: "max", turns: valueOf(e) === "" ? Number.NaN : Number(valueOf(e)) })}
        />
      )}
    </span>
  );
}

export function VendorList() {
  return (
    <datalist id="known-vendors">
      {KNOWN_VENDORS.map((v) => (
        <option key={v} value={v} />
      ))}
    </datalist>
  );
}

/**
 * The agent fields, as one editor for every form that has them (new task, task settings, template). With
 * `forTemplate` the hints and the "not set" choices say that an empty field leaves the task's own value.
 */
export function AgentFieldsEditor({
  value,
  onChange,
  errors = {},
  disabled = false,
  forTemplate = false,
}: {
  value: AgentFields;
  /** Receives only the changed field, so the owner merges it into its latest state (two quick edits never undo each other). */
  onChange: (patch: Partial<AgentFields>) => void;
  errors?: FieldErrors;
  disabled?: boolean;
  forTemplate?: boolean;
}) {
  const set = <K extends keyof AgentFields>(key: K, v: AgentFields[K]) => onChange({ [key]: v } as Partial<AgentFields>);
  const empty = forTemplate ? "empty: the task's own" : undefined;
  return (
    <div class="pf-grid">
      <VendorList />
      <Field label="Vendor" error={errors.vendor} hint={empty ?? "empty: script"}>
        <input list="known-vendors" value={value.vendor} disabled={disabled} onInput={(e) => set("vendor", valueOf(e))} />
      </Field>
      <Field label="Model" error={errors.model} hint={empty ?? "empty: the vendor's default"}>
        <input value={value.model} disabled={disabled} onInput={(e) => set("model", valueOf(e))} />
      </Field>
      <Field label="Backup vendor" error={errors.backupVendor} hint="takes over when the vendor fails hard; empty: none">
        <input list="known-vendors" value={value.backupVendor} disabled={disabled} onInput={(e) => set("backupVendor", valueOf(e))} />
      </Field>
      <Field label="Backup model" error={errors.backupModel}>
        <input value={value.backupModel} disabled={disabled || value.backupVendor.trim() === ""} onInput={(e) => set("backupModel", valueOf(e))} />
      </Field>
      <Field label="Max turns" error={errors.turns} hint={forTemplate ? "configured default: the task's own" : "per attempt"}>
        <TurnLimitInput value={value.turns} disabled={disabled} onChange={(t) => set("turns", t)} />
      </Field>
      <Field label="Billing" error={errors.billingMode}>
        <select value={value.billingMode} disabled={disabled} onChange={(e) => set("billingMode", Number(valueOf(e)) as BillingMode)}>
          {enumOptions(forTemplate ? { ...BILLING_NAMES, [BillingMode.UNSPECIFIED]: "— (the task's own)" } : BILLING_NAMES)}
        </select>
      </Field>
      <Field label="Delivery flow" error={errors.deliveryFlow}>
        <select value={value.deliveryFlow} disabled={disabled} onChange={(e) => set("deliveryFlow", Number(valueOf(e)) as DeliveryFlow)}>
          {enumOptions(forTemplate ? { ...FLOW_NAMES, [DeliveryFlow.UNSPECIFIED]: "— (the task's own)" } : FLOW_NAMES)}
        </select>
      </Field>
      <Field label="Verification" group>
        <Check label="skip verification" checked={value.skipVerification} disabled={disabled} onChange={(v) => set("skipVerification", v)} />
      </Field>
      <Field label="Allowed tools" error={errors.allowedTools} hint="one per line, in the vendor's syntax; empty: the vendor's default set" wide>
        <textarea rows={2} value={value.allowedTools} disabled={disabled} onInput={(e) => set("allowedTools", valueOf(e))} />
      </Field>
    </div>
  );
}

/** Asks before a destructive action; the browser's own dialog keeps it keyboard-accessible. */
export function confirmed(question: string): boolean {
  return window.confirm(question);
}

export function hasErrors(errors: FieldErrors): boolean {
  return Object.values(errors).some((e) => e !== undefined);
}
