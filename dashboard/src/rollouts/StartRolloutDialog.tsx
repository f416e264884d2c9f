import { useState } from "react";
import { useNavigate } from "react-router";
import { ENVIRONMENTS, type Environment, type RolloutCreate } from "../api/types";
import { Dialog } from "../components/Dialog";
import { ErrorNotice } from "../components/ErrorNotice";
import { Field } from "../components/Field";
import { useCatalogue } from "../stores/queries";
import { routes } from "../urls";
import { useCreateRollout } from "./queries";
import { parseWaves } from "./waves";

/** Choose the version, the stores and the waves; the summary is the confirmation. */
export function StartRolloutDialog({ onClose }: { onClose: () => void }) {
  const catalogue = useCatalogue();
  const start = useCreateRollout();
  const navigate = useNavigate();
  const [version, setVersion] = useState("");
  const [environment, setEnvironment] = useState<Environment | "">("");
  const [plan, setPlan] = useState("");
  const [wavesText, setWavesText] = useState("1, 5, 25");
  const [failurePercent, setFailurePercent] = useState("0");
  const waves = parseWaves(wavesText);
  const ratio = Number(failurePercent) / 100;
  const ratioProblem =
    failurePercent.trim() === "" || !(ratio >= 0 && ratio <= 1) ? "a percentage from 0 to 100" : undefined;
  const target = version || catalogue.data?.versions[0]?.name || "";
  const selector: RolloutCreate["selector"] = {};
  if (environment) selector.environment = environment;
  if (plan) selector.plan = plan;
  const selectorProblem = environment || plan ? undefined : "choose an environment or a plan";
  const ready = target !== "" && waves !== null && !ratioProblem && !selectorProblem;
  const which = [environment && `${environment} stores`, plan && `on plan ${plan}`].filter(Boolean).join(" ");

  return (
    <Dialog title="Start a rollout?" onClose={onClose}>
      {catalogue.isError && <ErrorNotice title="Could not load the versions" error={catalogue.error} />}
      <Field id="rollout-version" label="Version" hint="The version every selected store is upgraded to." problem={undefined}>
        {(described) => (
          <select id="rollout-version" value={target} onChange={(event) => setVersion(event.target.value)} {...described}>
            {catalogue.data?.versions.map((option) => (
              <option key={option.name} value={option.name}>
                {option.name} — WordPress {option.wordpress}, WooCommerce {option.woocommerce}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field id="rollout-environment" label="Environment" hint="Only stores of this environment." problem={selectorProblem}>
        {(described) => (
          <select
            id="rollout-environment"
            value={environment}
            onChange={(event) => setEnvironment(event.target.value as Environment | "")}
            {...described}
          >
            <option value="">any</option>
            {ENVIRONMENTS.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field id="rollout-plan" label="Plan" hint="Only stores on this plan." problem={undefined}>
        {(described) => (
          <select id="rollout-plan" value={plan} onChange={(event) => setPlan(event.target.value)} {...described}>
            <option value="">any</option>
            {catalogue.data?.plans.map((option) => (
              <option key={option.name} value={option.name}>
                {option.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field
        id="rollout-waves"
        label="Waves"
        hint="Sizes, the canary first: 1, 5, 25. Stores beyond their sum go in more waves of the last size."
        problem={waves === null ? "whole numbers from 1, separated by commas" : undefined}
      >
        {(described) => (
          <input id="rollout-waves" value={wavesText} onChange={(event) => setWavesText(event.target.value)} {...described} />
        )}
      </Field>
      <Field
        id="rollout-failures"
        label="Failures allowed per wave (%)"
        hint="A wave with a larger share of failed upgrades halts the rollout."
        problem={ratioProblem}
      >
        {(described) => (
          <input
            id="rollout-failures"
            inputMode="decimal"
            value={failurePercent}
            onChange={(event) => setFailurePercent(event.target.value)}
            {...described}
          />
        )}
      </Field>
      {ready && (
        <p>
          Upgrades {which} to <strong>{target}</strong> in waves of {waves.join(", ")}, oldest stores
          first; pinned stores are skipped; it halts when more than {failurePercent}% of a wave fails.
        </p>
      )}
      {start.isError && <ErrorNotice title="The rollout was not started" error={start.error} />}
      <div className="form-actions">
        <button
          type="button"
          className="button button-primary"
          disabled={!ready || start.isPending}
          onClick={() =>
            waves &&
            start.mutate(
              { target_version: target, selector, waves, max_failure_ratio: ratio },
              { onSuccess: (rollout) => void navigate(routes.rolloutDetail(rollout.id)) },
            )
          }
        >
          {start.isPending ? "Starting…" : "Start rollout"}
        </button>
        <button type="button" className="button" data-autofocus onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
