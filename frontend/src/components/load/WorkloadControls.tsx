import { type FormEvent, useEffect, useRef, useState } from "react";
import { AUTOSCALING_DEMO, type WorkloadStats } from "../../api/generator";
import { useWorkloadControl } from "../../hooks/useWorkloadControl";
import {
  buildConfig,
  DEFAULT_DRAFT,
  draftFromConfig,
  type FormProfileKind,
  type LoadFormDraft,
  PROFILE_LABELS,
} from "../../lib/workloadForm";
import { ErrorMessage } from "../common/ErrorMessage";
import { FieldError } from "../common/FieldError";
import { AutoscalingDemo } from "./AutoscalingDemo";
import { LoadNumberField } from "./LoadNumberField";
import { ProfileFields } from "./ProfileFields";
import { TokenForm } from "./TokenForm";

interface Props {
  stats: WorkloadStats | null;
  unreachable: boolean;
  /** Even reading the stats was refused: ask for the token before anything else. */
  statsNeedToken: boolean;
  token: string | null;
  setToken: (token: string | null) => void;
  onChanged: () => void;
}

export function WorkloadControls({ stats, unreachable, statsNeedToken, token, setToken, onChanged }: Props) {
  const [draft, setDraft] = useState<LoadFormDraft>(DEFAULT_DRAFT);
  const filled = useRef(false);
  const control = useWorkloadControl(token, onChanged);
  const running = Boolean(stats?.running);

  // Start from the generator's current settings, once; after that the form is the person's.
  useEffect(() => {
    if (!filled.current && stats?.config) {
      setDraft(draftFromConfig(stats.config));
      filled.current = true;
    }
  }, [stats?.config]);

  const change = (patch: Partial<LoadFormDraft>) => {
    filled.current = true;
    setDraft((d) => ({ ...d, ...patch }));
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const { config, errors } = buildConfig(draft);
    if (!config) return control.setLocalErrors(errors);
    void (running ? control.apply(config) : control.start(config));
  };

  const errors = control.fieldErrors;
  return (
    <section className="card controls" aria-labelledby="controls-heading">
      <h2 id="controls-heading" className="controls__heading">
        Workload
      </h2>
      <form onSubmit={submit} noValidate aria-labelledby="controls-heading">
        <div className="field">
          <label htmlFor="load-profile">Traffic shape</label>
          <select
            id="load-profile"
            value={draft.kind}
            aria-describedby={errors.profile ? "load-profile-error" : undefined}
            onChange={(e) => change({ kind: e.target.value as FormProfileKind })}
          >
            {(Object.keys(PROFILE_LABELS) as FormProfileKind[]).map((kind) => (
              <option key={kind} value={kind}>
                {PROFILE_LABELS[kind]}
              </option>
            ))}
          </select>
          <FieldError id="load-profile-error" message={errors.profile ?? errors["profile.kind"]} />
        </div>
        <ProfileFields draft={draft} errors={errors} onChange={change} />
        <LoadNumberField
          path="durationS"
          label="Stop after (seconds, optional)"
          placeholder="Run until stopped"
          value={draft.durationS}
          errors={errors}
          onValue={(durationS) => change({ durationS })}
        />

        {control.error && !control.needsToken && <ErrorMessage>{control.error}</ErrorMessage>}

        <div className="button-row">
          <button type="submit" className="button button--primary" disabled={control.busy !== null || unreachable}>
            {running ? (control.busy === "apply" ? "Applying…" : "Apply changes") : control.busy === "start" ? "Starting…" : "Start load"}
          </button>
          <button
            type="button"
            className="button button--danger"
            disabled={!running || control.busy !== null || unreachable}
            onClick={() => void control.stop()}
          >
            {control.busy === "stop" ? "Stopping…" : "Stop"}
          </button>
        </div>
      </form>

      <AutoscalingDemo
        token={token}
        running={running}
        disabled={control.busy !== null || unreachable}
        busy={control.busy === "scenario"}
        onRun={() => void control.runScenario(AUTOSCALING_DEMO)}
      />

      {(control.needsToken || statsNeedToken) && (
        <>
          {control.error && <ErrorMessage>{control.error}</ErrorMessage>}
          <TokenForm
            hasToken={Boolean(token)}
            onSave={(value) => {
              setToken(value);
              control.retryWith(value);
            }}
            onForget={() => setToken(null)}
          />
        </>
      )}
    </section>
  );
}
