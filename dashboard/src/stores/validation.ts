// The API's naming rules (orchestrator/naming.py), checked before sending so that people
// see a problem next to the field at once. The API checks again and has the last word.
import type { Environment } from "../api/types";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_MAX = 63;
const HOSTNAME_MAX = 253;
export const STORE_NAME_MAX = 54;

export type StoreField = "store_name" | "domain" | "environment";
export type FieldProblems = Partial<Record<StoreField, string>>;

export interface StoreFormValues {
  store_name: string;
  domain: string;
  environment: string;
}

// Names of the cluster's own namespaces (the API also reserves the platform's namespace).
const RESERVED_STORE_NAMES = new Set(["default", "kube", "kube-system", "kube-public"]);
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

function controlCharacterProblem(value: string): string | null {
  return CONTROL_CHARACTER.test(value) ? "must not contain control characters" : null;
}

export function storeNameProblem(name: string, maxLength = STORE_NAME_MAX): string | null {
  if (!name) return "must not be empty";
  const control = controlCharacterProblem(name);
  if (control) return control;
  if (name.length > maxLength) return `must be at most ${maxLength} characters`;
  if (!DNS_LABEL.test(name)) {
    return (
      "must be a DNS-1123 label: lowercase letters, digits and '-', " +
      "starting and ending with a letter or digit"
    );
  }
  if (RESERVED_STORE_NAMES.has(name) || name.startsWith("kube-")) {
    return `'${name}' is reserved for the cluster or the platform`;
  }
  return null;
}

export function hostnameProblem(host: string): string | null {
  if (!host) return "must not be empty";
  const control = controlCharacterProblem(host);
  if (control) return control;
  if (host.length > HOSTNAME_MAX) return `must be at most ${HOSTNAME_MAX} characters`;
  if (host !== host.toLowerCase()) return "must be lowercase";
  const labels = host.split(".");
  for (const label of labels) {
    if (!label) return "must not contain empty labels (leading, trailing or double dots)";
    if (label.length > LABEL_MAX) return "each dot-separated label must be at most 63 characters";
    if (!DNS_LABEL.test(label)) {
      return (
        "must be a hostname: dot-separated labels of lowercase letters, digits " +
        "and '-', each starting and ending with a letter or digit"
      );
    }
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? "")) {
    return "must be a hostname, not an IP address";
  }
  if (labels.length < 2) return "must have at least 2 dot-separated labels";
  return null;
}

export function defaultDomain(storeName: string, baseDomain: string): string {
  return storeName ? `${storeName}.${baseDomain}` : "";
}

/** Problems with the form as a whole; an empty domain is allowed (the API picks the default). */
export function validateStoreForm(
  values: StoreFormValues,
  rules: { storeNameMax: number; environments: readonly Environment[] },
): FieldProblems {
  const problems: FieldProblems = {};
  const name = storeNameProblem(values.store_name, rules.storeNameMax);
  if (name) problems.store_name = name;
  const domain = values.domain ? hostnameProblem(values.domain) : null;
  if (domain) problems.domain = domain;
  if (!rules.environments.includes(values.environment as Environment)) {
    problems.environment = `must be one of: ${rules.environments.join(", ")}`;
  }
  return problems;
}
