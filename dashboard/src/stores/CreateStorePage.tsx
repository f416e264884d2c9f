import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { ApiError } from "../api/errors";
import { ENVIRONMENTS, type Environment } from "../api/types";
import { ErrorNotice } from "../components/ErrorNotice";
import { Field } from "../components/Field";
import { routes } from "../urls";
import { useCreateStore, usePlatformInfo, useStoreHolding } from "./queries";
import type { ListNoticeState } from "./ListNotice";
import {
  defaultDomain,
  STORE_NAME_MAX,
  validateStoreForm,
  type FieldProblems,
  type StoreField,
  type StoreFormValues,
} from "./validation";

const FIELDS: readonly StoreField[] = ["store_name", "domain", "environment"];

export function CreateStorePage() {
  const info = usePlatformInfo();
  const create = useCreateStore();
  const navigate = useNavigate();
  const environments = info.data?.environments ?? ENVIRONMENTS;
  const storeNameMax = info.data?.store_name_max_length ?? STORE_NAME_MAX;
  const baseDomain = info.data?.base_domain;

  const [values, setValues] = useState<StoreFormValues>({
    store_name: "",
    domain: "",
    environment: "local",
  });
  // Problems show from the first submit on, then follow the typing; a name that grows past its
  // limit is flagged as it is typed. Not on blur: a message appearing on blur moves the submit
  // button away from the pointer that is about to click it.
  const [submitted, setSubmitted] = useState(false);
  const [serverProblems, setServerProblems] = useState<FieldProblems>({});
  const idempotency = useRef<{ body: string; key: string } | null>(null);
  const errorSummary = useRef<HTMLDivElement>(null);
  // Bumped for each failure said in the summary; focus follows once the summary is on screen.
  const [summaryFailures, setSummaryFailures] = useState(0);
  useEffect(() => {
    if (summaryFailures > 0) errorSummary.current?.focus();
  }, [summaryFailures]);

  // An empty domain is sent as absent: the API gives the store <name>.<base domain>, which the
  // field shows as its placeholder rather than as a value someone would have to clear.
  const suggestedDomain = baseDomain ? defaultDomain(values.store_name, baseDomain) : "";
  const clientProblems = validateStoreForm(values, { storeNameMax, environments });
  const typingProblems: FieldProblems =
    values.store_name.length > storeNameMax ? { store_name: clientProblems.store_name } : {};
  const shown = (field: StoreField): string | undefined =>
    serverProblems[field] ?? (submitted ? clientProblems : typingProblems)[field];

  function change(field: StoreField, value: string) {
    setValues((previous) => ({ ...previous, [field]: value }));
    setServerProblems((previous) => ({ ...previous, [field]: undefined }));
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    setSubmitted(true);
    setServerProblems({});
    if (Object.keys(clientProblems).length > 0) {
      focusFirstProblem(clientProblems);
      return;
    }
    const store = {
      store_name: values.store_name,
      environment: values.environment as Environment,
      ...(values.domain ? { domain: values.domain } : {}),
    };
    const body = JSON.stringify(store);
    if (idempotency.current?.body !== body) {
      idempotency.current = { body, key: newIdempotencyKey() };
    }
    create.mutate(
      { store, idempotencyKey: idempotency.current.key },
      {
        onSuccess: (created) => {
          const state: ListNoticeState = {
            notice: `Store ${created.store_name} requested. Provisioning has started; it shows as Ready when it can take orders.`,
            storeId: created.id,
          };
          void navigate(routes.storeList(), { state });
        },
        onError: (error) => {
          if (error instanceof ApiError && error.status === 422) {
            const problems = fieldProblems(error);
            if (Object.keys(problems).length > 0) {
              setServerProblems(problems);
              focusFirstProblem(problems);
              return;
            }
          }
          // Anything else is said in the summary below the form: take people there.
          setSummaryFailures((count) => count + 1);
        },
      },
    );
  }

  const failure = create.error;
  const unplacedFieldErrors =
    failure instanceof ApiError && failure.status === 422
      ? failure.fields.filter((field) => !FIELDS.includes(field.field as StoreField))
      : [];

  return (
    <section aria-labelledby="create-heading" className="narrow">
      <p>
        <Link to={routes.storeList()}>← All stores</Link>
      </p>
      <h1 id="create-heading">New store</h1>
      {info.isError && (
        <ErrorNotice
          title="Could not load the platform settings"
          error={info.error}
          onRetry={() => void info.refetch()}
        />
      )}
      <form noValidate onSubmit={submit} aria-describedby={failure ? "create-error" : undefined}>
        <Field
          id="store_name"
          label="Store name"
          hint={`Lowercase letters, digits and '-'; at most ${storeNameMax} characters (${values.store_name.length} so far).`}
          problem={shown("store_name")}
        >
          {(described) => (
            <input
              id="store_name"
              name="store_name"
              autoComplete="off"
              spellCheck={false}
              required
              value={values.store_name}
              onChange={(event) => change("store_name", event.target.value)}
              {...described}
            />
          )}
        </Field>

        <Field
          id="domain"
          label="Domain"
          hint={
            baseDomain
              ? `The storefront's hostname. Leave empty for ${suggestedDomain || `<name>.${baseDomain}`}.`
              : "The storefront's hostname. Leave empty for the platform's default."
          }
          problem={shown("domain")}
        >
          {(described) => (
            <input
              id="domain"
              name="domain"
              autoComplete="off"
              spellCheck={false}
              value={values.domain}
              placeholder={suggestedDomain || undefined}
              onChange={(event) => change("domain", event.target.value)}
              {...described}
            />
          )}
        </Field>

        <Field
          id="environment"
          label="Environment"
          hint="Which values file the store is installed with."
          problem={shown("environment")}
        >
          {(described) => (
            <select
              id="environment"
              name="environment"
              value={values.environment}
              onChange={(event) => change("environment", event.target.value)}
              {...described}
            >
              {environments.map((environment) => (
                <option key={environment} value={environment}>
                  {environment}
                </option>
              ))}
            </select>
          )}
        </Field>

        {failure && (
          <div id="create-error" ref={errorSummary} tabIndex={-1} className="error-summary">
            <CreateFailure error={failure} unplaced={unplacedFieldErrors} request={values} />
          </div>
        )}

        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={create.isPending}>
            {create.isPending ? "Creating…" : "Create store"}
          </button>
          <Link to={routes.storeList()}>Cancel</Link>
        </div>
      </form>
    </section>
  );
}

interface CreateFailureProps {
  error: Error;
  unplaced: readonly { field: string; message: string }[];
  request: StoreFormValues;
}

function CreateFailure({ error, unplaced, request }: CreateFailureProps) {
  if (error instanceof ApiError && error.status === 409 && error.code === "conflict") {
    return <TakenNotice request={request} />;
  }
  if (error instanceof ApiError && error.status === 422) {
    return (
      <div className="notice notice-error" role="alert">
        <p>
          <strong>The platform did not accept the store.</strong> Fix the fields marked above.
        </p>
        {unplaced.length > 0 && (
          <ul>
            {unplaced.map((field) => (
              <li key={field.field}>
                {field.field}: {field.message}
              </li>
            ))}
          </ul>
        )}
      </div>
    );
  }
  if (error instanceof ApiError && error.status === 401) {
    return (
      <div className="notice notice-error" role="alert">
        <p>
          <strong>The store was not created.</strong> The platform needs an API token; enter it,
          then create the store again.
        </p>
      </div>
    );
  }
  return <ErrorNotice title="The store was not created" error={error} />;
}

/** A live store already has the name or domain: name it, with a link to it. */
function TakenNotice({ request }: { request: StoreFormValues }) {
  const holder = useStoreHolding(request.store_name, request.domain);
  return (
    <div className="notice notice-error" role="alert">
      <p>
        <strong>That name or domain is taken.</strong>{" "}
        {holder.data ? (
          <>
            The live store <Link to={routes.storeDetail(holder.data.id)}>{holder.data.store_name}</Link> (
            {holder.data.domain}, {holder.data.status}) already uses{" "}
            {holder.data.store_name === request.store_name ? "this name" : "this domain"}.
          </>
        ) : (
          "A live store already uses it."
        )}{" "}
        Choose another name or domain, or delete the other store first.
      </p>
    </div>
  );
}

function fieldProblems(error: ApiError): FieldProblems {
  const problems: FieldProblems = {};
  for (const { field, message } of error.fields) {
    if (FIELDS.includes(field as StoreField)) problems[field as StoreField] ??= message;
  }
  return problems;
}

function focusFirstProblem(problems: FieldProblems) {
  const first = FIELDS.find((field) => problems[field]);
  // After React shows the message, so that the field is announced with it.
  if (first) window.setTimeout(() => document.getElementById(first)?.focus(), 0);
}

/** A random key for Idempotency-Key; works outside secure contexts, unlike randomUUID(). */
function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
