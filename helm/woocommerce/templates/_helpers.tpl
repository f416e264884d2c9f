{{/*
Names. The orchestrator always installs the release as "store", so objects are called
store-wordpress, store-mariadb, ... The prefix is cut to 40 characters so that the longest
derived names stay valid: "<prefix>-setup-r<revision>" is a Job name that also becomes a label
value (≤ 63), and "<prefix>-mariadb" is a StatefulSet name (≤ 52, its pods get a hash label).
*/}}
{{- define "woocommerce.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "woocommerce.fullname" -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "woocommerce.wordpressName" -}}
{{- printf "%s-wordpress" (include "woocommerce.fullname" .) -}}
{{- end -}}

{{- define "woocommerce.wordpressContentName" -}}
{{- printf "%s-wordpress-content" (include "woocommerce.fullname" .) -}}
{{- end -}}

{{- define "woocommerce.mariadbName" -}}
{{- printf "%s-mariadb" (include "woocommerce.fullname" .) -}}
{{- end -}}

{{- define "woocommerce.maintenanceName" -}}
{{- printf "%s-maintenance" (include "woocommerce.fullname" .) -}}
{{- end -}}

{{- define "woocommerce.mariadbHeadlessName" -}}
{{- printf "%s-mariadb-headless" (include "woocommerce.fullname" .) -}}
{{- end -}}

{{- define "woocommerce.setupJobName" -}}
{{- printf "%s-setup-r%d" (include "woocommerce.fullname" .) (int .Release.Revision) -}}
{{- end -}}

{{- define "woocommerce.tlsSecretName" -}}
{{- default (printf "%s-tls" (include "woocommerce.fullname" .)) .Values.ingress.tls.secretName -}}
{{- end -}}

{{/*
Labels. Selectors use only name, instance and component, which never change for a release.
Call the component helpers with (dict "ctx" $ "component" "wordpress").
*/}}
{{- define "woocommerce.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "woocommerce.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: woo-platform
{{- end -}}

{{- define "woocommerce.selectorLabels" -}}
app.kubernetes.io/name: {{ include "woocommerce.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "woocommerce.componentLabels" -}}
{{ include "woocommerce.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/*
Pod template labels: the selector labels plus what never changes for a release. No chart or app
version: a label change in a pod template rolls the pods, so a chart bump would restart MariaDB
and every WordPress pod for nothing. Call with (dict "ctx" $ "component" "wordpress").
*/}}
{{- define "woocommerce.podLabels" -}}
{{ include "woocommerce.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: woo-platform
{{- end -}}

{{/* Image reference "repository:tag"; the schema refuses an empty or "latest" tag. */}}
{{- define "woocommerce.image" -}}
{{- printf "%s:%s" .repository .tag -}}
{{- end -}}

{{/* Public URL of the store, as WordPress and the setup Job see it. */}}
{{- define "woocommerce.storeUrl" -}}
{{- printf "%s://%s" (ternary "https" "http" .Values.ingress.tls.enabled) .Values.ingress.host -}}
{{- end -}}

{{/* Database address for WordPress and WP-CLI (host:port). */}}
{{- define "woocommerce.databaseHost" -}}
{{- printf "%s:3306" (include "woocommerce.mariadbName" .) -}}
{{- end -}}

{{/*
Pod security. WordPress (Apache), the setup Job and the test pod run as www-data (uid 33 in the
Debian-based WordPress image, which owns wp-content; the Alpine WP-CLI image runs as the same uid
so files it writes stay writable by Apache). MariaDB runs as mysql (uid 999 in its image).
*/}}
{{- define "woocommerce.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "woocommerce.containerSecurityContext" -}}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: {{ .readOnlyRootFilesystem }}
capabilities:
  drop:
    - ALL
{{- end -}}

{{/* "imagePullSecrets:" block, or nothing when no pull Secret is configured. */}}
{{- define "woocommerce.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets -}}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end -}}
{{- end -}}

{{/*
Environment shared by WordPress and the setup Job: what wp-config.php reads. The password comes
only from the store's Secret.
*/}}
{{- define "woocommerce.wordpressEnv" -}}
- name: WORDPRESS_DB_HOST
  value: {{ include "woocommerce.databaseHost" . | quote }}
- name: WORDPRESS_DB_NAME
  value: {{ .Values.mariadb.auth.database | quote }}
- name: WORDPRESS_DB_USER
  value: {{ .Values.mariadb.auth.username | quote }}
- name: WORDPRESS_DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.mariadb.auth.existingSecret }}
      key: mariadb-password
- name: WORDPRESS_HOME_URL
  value: {{ include "woocommerce.storeUrl" . | quote }}
{{- end -}}

{{/*
Render-time checks that the schema cannot express. serviceaccount.yaml includes this: a failed
check stops the whole render, so nothing is sent to the cluster.
*/}}
{{- define "woocommerce.validateValues" -}}
{{- $errors := list -}}
{{- if not .Values.ingress.host -}}
{{- $errors = append $errors "ingress.host is required: the store's hostname, e.g. demo.localhost" -}}
{{- end -}}
{{- if not .Values.mariadb.auth.existingSecret -}}
{{- $errors = append $errors "mariadb.auth.existingSecret is required: a Secret with keys mariadb-root-password and mariadb-password" -}}
{{- end -}}
{{- if not .Values.wordpress.admin.existingSecret -}}
{{- $errors = append $errors "wordpress.admin.existingSecret is required: a Secret with keys admin-user, admin-password and admin-email" -}}
{{- end -}}
{{- if and (gt (int .Values.wordpress.replicaCount) 1) (ne .Values.wordpress.persistence.accessMode "ReadWriteMany") -}}
{{- $errors = append $errors "wordpress.replicaCount > 1 needs wordpress.persistence.accessMode ReadWriteMany: replicas on other nodes cannot mount a ReadWriteOnce wp-content volume" -}}
{{- end -}}
{{- if and (eq .Values.ingress.kind "HTTPRoute") (or (not .Values.ingress.gateway.name) (not .Values.ingress.gateway.namespace)) -}}
{{- $errors = append $errors "ingress.kind HTTPRoute needs ingress.gateway.name and ingress.gateway.namespace: the Gateway the store's route attaches to" -}}
{{- end -}}
{{- if and (eq .Values.ingress.kind "Ingress") .Values.ingress.tls.enabled (not .Values.ingress.tls.clusterIssuer) (not .Values.ingress.tls.secretName) -}}
{{- $errors = append $errors "ingress.tls.enabled needs ingress.tls.clusterIssuer (cert-manager issues the certificate) or ingress.tls.secretName (an existing certificate Secret)" -}}
{{- end -}}
{{- if and .Values.pdb.enabled (le (int .Values.wordpress.replicaCount) (int .Values.pdb.minAvailable)) -}}
{{- $errors = append $errors "pdb.enabled needs wordpress.replicaCount > pdb.minAvailable, otherwise the budget blocks every node drain" -}}
{{- end -}}
{{- if and .Values.database.paused (not .Values.storefront.paused) -}}
{{- $errors = append $errors "database.paused needs storefront.paused: WordPress cannot serve without its database" -}}
{{- end -}}
{{- if $errors -}}
{{- fail (printf "\n\nwoocommerce chart: invalid values:\n  - %s\n" (join "\n  - " $errors)) -}}
{{- end -}}
{{- end -}}

{{/*
A StatefulSet's volumeClaimTemplates cannot change after creation: the API server refuses the
update and `helm upgrade` fails half-way with an unhelpful message. On an upgrade (lookup sees
the live StatefulSet; `helm template` sees nothing) a changed database volume size or storage
class is refused before anything is sent, with the way to do it by hand.
*/}}
{{- define "woocommerce.checkDatabaseVolumeUnchanged" -}}
{{- $name := include "woocommerce.mariadbName" . -}}
{{- $live := lookup "apps/v1" "StatefulSet" .Release.Namespace $name -}}
{{- with $live -}}
{{- $claim := index .spec.volumeClaimTemplates 0 -}}
{{- $wanted := $.Values.mariadb.persistence -}}
{{- $liveSize := toString $claim.spec.resources.requests.storage -}}
{{- $liveClass := default "" $claim.spec.storageClassName -}}
{{- $problems := list -}}
{{- if ne $liveSize (toString $wanted.size) -}}
{{- $problems = append $problems (printf "mariadb.persistence.size is %s, but the database volume was created with %s" $wanted.size $liveSize) -}}
{{- end -}}
{{- if ne $liveClass $wanted.storageClass -}}
{{- $problems = append $problems (printf "mariadb.persistence.storageClass is %q, but the database volume was created with %q" $wanted.storageClass $liveClass) -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "\n\nwoocommerce chart: invalid values:\n  - %s\n  A StatefulSet's volumeClaimTemplates cannot change. Keep the values the store was created with, or change the volume by hand: expand the claim (kubectl -n %s patch pvc data-%s-0 ..., if its storage class allows expansion), then kubectl -n %s delete statefulset %s --cascade=orphan and upgrade again with the new values.\n" (join "\n  - " $problems) $.Release.Namespace $name $.Release.Namespace $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The parts of a WP-CLI pod (the setup Job, the cron Job): WP-CLI needs WordPress core, which the
docroot init container copies from the store's own WordPress image with the same script as the
WordPress pods (see files/prepare-docroot.sh), so WP-CLI sees the same core version; wp-content
is the store's volume. "bundle" adds /bundled, where the init container hands over the image's
WooCommerce (woocommerce.source image) for the setup Job to swap in.
*/}}
{{- define "woocommerce.contentAffinity" -}}
{{- if and (ne .Values.wordpress.persistence.accessMode "ReadWriteMany") (not (include "woocommerce.storefrontPaused" .)) -}}
# wp-content is ReadWriteOnce: it can be mounted by several pods, but only on one node. This pod
# therefore runs on the node of a WordPress pod, so it works on the very volume WordPress serves.
# With the storefront paused no WordPress pod holds the volume (and none could be followed), so
# the pod may run on any node.
affinity:
  podAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      - topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "woocommerce.selectorLabels" (dict "ctx" . "component" "wordpress") | nindent 12 }}
{{- end -}}
{{- end -}}

{{/*
"true" while storefront.paused stops WordPress (restore, suspend), else empty. Read so that the
chart renders the same whether or not the values carry a storefront block.
*/}}
{{- define "woocommerce.storefrontPaused" -}}
{{- if (.Values.storefront | default dict).paused -}}true{{- end -}}
{{- end -}}

{{- define "woocommerce.docrootInitContainer" -}}
{{- $ctx := .ctx -}}
- name: docroot
  image: {{ include "woocommerce.image" $ctx.Values.wordpress.image }}
  imagePullPolicy: {{ $ctx.Values.wordpress.image.pullPolicy }}
  command: ["bash", "/usr/local/bin/prepare-docroot.sh"]
  workingDir: /var/www/html
  securityContext:
    {{- include "woocommerce.containerSecurityContext" (dict "readOnlyRootFilesystem" true) | nindent 4 }}
  {{- if or .bundle .seed }}
  env:
    {{- if .bundle }}
    - name: WOOCOMMERCE_SOURCE
      value: image
    {{- end }}
    {{- if .seed }}
    # setup.seed: the seed the image carries (if any) goes to the setup container too.
    - name: SETUP_SEED
      value: "true"
    {{- end }}
  {{- end }}
  resources:
    {{- toYaml $ctx.Values.setup.docrootResources | nindent 4 }}
  volumeMounts:
    - name: docroot
      mountPath: /var/www/html
    - name: content
      mountPath: /var/www/html/wp-content
    {{- if or .bundle .seed }}
    - name: bundled
      mountPath: /bundled
    {{- end }}
    - name: config
      mountPath: /usr/local/bin/prepare-docroot.sh
      subPath: prepare-docroot.sh
      readOnly: true
    - name: tmp
      mountPath: /tmp
{{- end -}}

{{- define "woocommerce.wpCliMounts" -}}
- name: docroot
  mountPath: /var/www/html
- name: content
  mountPath: /var/www/html/wp-content
{{- if .bundle }}
- name: bundled
  mountPath: /bundled
  readOnly: true
{{- end }}
- name: config
  mountPath: /var/www/html/wp-config.php
  subPath: wp-config.php
  readOnly: true
- name: config
  mountPath: /usr/local/etc/php/conf.d/zz-woo-platform.ini
  subPath: woo-platform.ini
  readOnly: true
- name: scripts
  mountPath: /scripts
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "woocommerce.wpCliVolumes" -}}
- name: docroot
  emptyDir:
    sizeLimit: 256Mi
- name: content
  persistentVolumeClaim:
    claimName: {{ include "woocommerce.wordpressContentName" .ctx }}
{{- if .bundle }}
- name: bundled
  emptyDir:
    sizeLimit: 256Mi
{{- end }}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
- name: config
  configMap:
    name: {{ include "woocommerce.wordpressName" .ctx }}-config
- name: scripts
  configMap:
    name: {{ include "woocommerce.fullname" .ctx }}-setup-scripts
{{- end -}}

{{/*
The wp-content claim's access mode and storage class cannot change either (the API server refuses
the update). An empty storageClass leaves the live one alone (the cluster filled in its default),
so only a different explicit class is refused.
*/}}
{{- define "woocommerce.checkContentVolumeUnchanged" -}}
{{- $name := include "woocommerce.wordpressContentName" . -}}
{{- $live := lookup "v1" "PersistentVolumeClaim" .Release.Namespace $name -}}
{{- with $live -}}
{{- $wanted := $.Values.wordpress.persistence -}}
{{- $problems := list -}}
{{- $liveModes := .spec.accessModes | default list -}}
{{- if not (has $wanted.accessMode $liveModes) -}}
{{- $problems = append $problems (printf "wordpress.persistence.accessMode is %s, but the wp-content volume was created with %s" $wanted.accessMode (join ", " $liveModes)) -}}
{{- end -}}
{{- $liveClass := default "" .spec.storageClassName -}}
{{- if and $wanted.storageClass (ne $wanted.storageClass $liveClass) -}}
{{- $problems = append $problems (printf "wordpress.persistence.storageClass is %q, but the wp-content volume was created with %q" $wanted.storageClass $liveClass) -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "\n\nwoocommerce chart: invalid values:\n  - %s\n  A claim's access mode and storage class cannot change. Keep the values the store was created with, or move wp-content to a new claim by hand (copy the files, then delete %s and upgrade again).\n" (join "\n  - " $problems) $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
