"use client";
import { useMutation } from "@tanstack/react-query";
import { useId, useState } from "react";
import { evaluateGate, type EvaluatedGate } from "@/components/compare/compare-queries";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { MutationError } from "@/components/ui/confirm-button";
import { Input } from "@/components/ui/input";
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import {
  buildPolicy,
  defaultPolicyForm,
  dimensionLabel,
  type GatePolicy,
  verdictLabel,
  verdictTone,
  type PolicyErrors,
  type PolicyForm,
  type PolicyRow,
} from "@/lib/compare";

/** One limit of one dimension, with its error under it. */
function LimitInput({
  row,
  which,
  error,
  onChange,
}: {
  row: PolicyRow;
  which: "warn" | "fail";
  error: string | undefined;
  onChange: (value: string) => void;
}) {
  const id = useId();
  return (
    <div className="flex flex-col gap-1">
      <Input
        inputMode="decimal"
        className="w-24"
        value={row[which]}
        placeholder="none"
        aria-label={`${which === "warn" ? "Warn" : "Fail"} when ${dimensionLabel(row.key)} drops by more than`}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? id : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      {error && (
        <span id={id} className="text-xs text-red-800">
          {error}
        </span>
      )}
    </div>
  );
}

/** The verdict of an evaluated gate and one line per rule. */
function GateOutcome({ result }: { result: EvaluatedGate }) {
  const { gate } = result;
  return (
    <div className="flex flex-col gap-3" data-testid="gate-result" data-verdict={gate.verdict}>
      <p className="flex flex-wrap items-center gap-2 text-base">
        Verdict:
        <Badge tone={verdictTone(gate.verdict)} className="px-3 py-1 text-sm uppercase" data-testid="gate-verdict">
          {verdictLabel(gate.verdict)}
        </Badge>
        <span className="text-sm text-muted-foreground">stored as comparison {result.stored.id}</span>
      </p>
      <ul className="flex flex-col gap-2" aria-label="Gate reasons">
        {gate.reasons.map((r, i) => (
          <li key={i} className="flex flex-wrap items-start gap-2 text-sm" data-testid="gate-reason" data-rule={r.rule} data-verdict={r.verdict}>
            <Badge tone={verdictTone(r.verdict)}>{verdictLabel(r.verdict)}</Badge>
            <span className="font-medium">{r.rule.replaceAll("_", " ")}</span>
            <span className="min-w-0 flex-1 break-words">
              {r.message}
              {r.cases && r.cases.length > 0 && <span className="block text-muted-foreground">cases: {r.cases.join(", ")}</span>}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * The release gate: a policy (per-dimension drops that warn or fail,
 * required dimensions, "the candidate passes every case") evaluated by the
 * API over the two lanes into pass, warn, fail or insufficient evidence.
 */
export function GatePanel({
  ws,
  baseline,
  candidate,
  dimensionKeys,
}: {
  ws: string;
  baseline: string;
  candidate: string;
  dimensionKeys: string[];
}) {
  const passId = useId();
  const [form, setForm] = useState<PolicyForm>(() => defaultPolicyForm(dimensionKeys));
  const [errors, setErrors] = useState<PolicyErrors>({});
  const gate = useMutation({ mutationFn: (policy: GatePolicy) => evaluateGate(ws, baseline, candidate, policy) });
  const setRow = (key: string, patch: Partial<PolicyRow>) =>
    setForm((f) => ({ ...f, rows: f.rows.map((r) => (r.key === key ? { ...r, ...patch } : r)) }));

  return (
    <div className="flex flex-col gap-4">
      <form
        className="flex flex-col gap-3"
        aria-label="Release gate policy"
        onSubmit={(e) => {
          e.preventDefault();
          const built = buildPolicy(form);
          if ("errors" in built) {
            setErrors(built.errors);
            return;
          }
          setErrors({});
          gate.mutate(built.policy);
        }}
      >
        <Table aria-label="Gate limits">
          <TableCaption>
            Limits are drops of the candidate&apos;s mean below the baseline&apos;s, as fractions of the score (0.1 is 10 points);
            empty means no limit. A required dimension must be scored in both lanes.
          </TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>Dimension</TableHead>
              <TableHead>Warn when it drops by more than</TableHead>
              <TableHead>Fail when it drops by more than</TableHead>
              <TableHead>Required</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {form.rows.map((row) => (
              <TableRow key={row.key}>
                <TableCell className="font-medium">{dimensionLabel(row.key)}</TableCell>
                <TableCell>
                  <LimitInput row={row} which="warn" error={errors[`${row.key}.warn`]} onChange={(warn) => setRow(row.key, { warn })} />
                </TableCell>
                <TableCell>
                  <LimitInput row={row} which="fail" error={errors[`${row.key}.fail`]} onChange={(fail) => setRow(row.key, { fail })} />
                </TableCell>
                <TableCell>
                  <input
                    type="checkbox"
                    className="size-4"
                    checked={row.required}
                    aria-label={`${dimensionLabel(row.key)} is required`}
                    onChange={(e) => setRow(row.key, { required: e.target.checked })}
                  />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        <label htmlFor={passId} className="flex items-center gap-2 text-sm">
          <input
            id={passId}
            type="checkbox"
            className="size-4"
            checked={form.requireScorecardPass}
            onChange={(e) => setForm((f) => ({ ...f, requireScorecardPass: e.target.checked }))}
          />
          The candidate must pass every counted case (require scorecard pass)
        </label>
        {Object.keys(errors).length > 0 && (
          <p role="alert" className="text-sm text-red-800">
            Fix the limits marked above.
          </p>
        )}
        <div className="flex items-center gap-3">
          <Button type="submit" disabled={gate.isPending}>
            {gate.isPending ? "Evaluating…" : "Evaluate gate"}
          </Button>
        </div>
        <MutationError error={gate.error} what="evaluate the gate" />
      </form>
      <div aria-live="polite">{gate.data && <GateOutcome result={gate.data} />}</div>
    </div>
  );
}
