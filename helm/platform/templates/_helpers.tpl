{{/* Names: every object is "<release>-<chart>" cut to 63, or the release when it already says it. */}}
{{- define "platform.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "platform.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "platform.postgresqlName" -}}
{{- printf "%s-postgresql" (include "platform.fullname" .) -}}
{{- end -}}

{{/* Labels: selectors use only name, instance and component, which never change. */}}
{{- define "platform.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "platform.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: woo-platform
{{- end -}}

{{- define "platform.selectorLabels" -}}
app.kubernetes.io/name: {{ include "platform.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "platform.componentLabels" -}}
{{ include "platform.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The Secret and key the database URL is read from. */}}
{{- define "platform.databaseSecret" -}}
{{- if .Values.postgresql.enabled -}}
{{- include "platform.postgresqlName" . -}}
{{- else -}}
{{- .Values.database.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "platform.databaseSecretKey" -}}
{{- ternary "url" .Values.database.existingSecretKey .Values.postgresql.enabled -}}
{{- end -}}

{{/*
Pod Security "restricted": non-root numeric user, no privilege escalation, no capabilities,
RuntimeDefault seccomp. The root filesystem is read-only; /tmp is an emptyDir.
*/}}
{{- define "platform.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "platform.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/* Values that are valid alone but not together: refuse them with a clear message. */}}
{{- define "platform.validateValues" -}}
{{- $problems := list -}}
{{- if and (not .Values.postgresql.enabled) (not .Values.database.existingSecret) -}}
{{- $problems = append $problems "database.existingSecret is required (or postgresql.enabled=true for development)" -}}
{{- end -}}
{{- if and (eq .Values.exposure.type "gatewayAPI") (not .Values.gateway.name) -}}
{{- $problems = append $problems "exposure.type=gatewayAPI needs gateway.name" -}}
{{- end -}}
{{- if and (eq .Values.secrets.backend "vault") (not .Values.secrets.vault.address) -}}
{{- $problems = append $problems "secrets.backend=vault needs secrets.vault.address" -}}
{{- end -}}
{{- if and (eq .Values.secrets.backend "vault") (eq .Values.secrets.vault.auth "kubernetes") (not .Values.secrets.vault.kubernetesRole) -}}
{{- $problems = append $problems "secrets.vault.auth=kubernetes needs secrets.vault.kubernetesRole" -}}
{{- end -}}
{{- if lt (int .Values.settings.stepDeadlineSeconds) (add (int .Values.settings.helmTimeoutSeconds) 20) -}}
{{- $problems = append $problems "settings.stepDeadlineSeconds must exceed settings.helmTimeoutSeconds by at least 20" -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "woo-platform chart: invalid values:\n  - %s" (join "\n  - " $problems)) -}}
{{- end -}}
{{- end -}}
