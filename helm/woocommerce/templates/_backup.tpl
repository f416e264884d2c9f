{{/*
The Job of a backup or a restore (files/backup.sh, files/restore.sh): the jobTemplate of the
CronJobs store-backup and store-restore, which the orchestrator also copies for the Jobs it
creates on demand. Call with (dict "ctx" $ "task" "backup"|"restore").

- The main container runs on the store's own MariaDB image (bash, mariadb, mariadb-dump); restic
  is a static binary that an init container copies from the pinned restic image into an emptyDir.
- It runs as www-data (uid/gid 33, fsGroup 33), the owner of wp-content: it reads every file of
  the volume for a backup and writes files WordPress can change for a restore.
- Passwords come only from Secrets: the database user's as a mounted file (DB_PASSWORD_FILE),
  restic's as a mounted file (RESTIC_PASSWORD_FILE), the S3 keys through secretKeyRef.
- The result line goes to /dev/termination-log, so the orchestrator reads the outcome from
  status.containerStatuses[].state.terminated.message.
*/}}
{{- define "woocommerce.backupJobSpec" -}}
{{- $ctx := .ctx -}}
{{- $task := .task -}}
{{- $backup := $ctx.Values.backup -}}
{{- $db := $ctx.Values.mariadb -}}
metadata:
  labels:
    {{- include "woocommerce.podLabels" (dict "ctx" $ctx "component" $task) | nindent 4 }}
    woo-platform/task: {{ $task }}
spec:
  # restic and the database are retried a few times (exit 1); a configuration error, a wrong
  # password or an unknown snapshot (exit 3) fails the Job at once.
  backoffLimit: {{ $backup.backoffLimit }}
  activeDeadlineSeconds: {{ $backup.activeDeadlineSeconds }}
  # Long enough for the orchestrator to read the result from the finished pod.
  ttlSecondsAfterFinished: {{ $backup.ttlSecondsAfterFinished }}
  podFailurePolicy:
    rules:
      - action: FailJob
        onExitCodes:
          containerName: {{ $task }}
          operator: In
          values: [3]
      # A node drain or preemption is not the script's failure.
      - action: Ignore
        onPodConditions:
          - type: DisruptionTarget
            status: "True"
  template:
    metadata:
      labels:
        {{- include "woocommerce.podLabels" (dict "ctx" $ctx "component" $task) | nindent 8 }}
        woo-platform/task: {{ $task }}
      annotations:
        checksum/scripts: {{ (include (print $ctx.Template.BasePath "/backup-configmap.yaml") $ctx | fromYaml).data | toJson | sha256sum }}
    spec:
      restartPolicy: Never
      serviceAccountName: {{ include "woocommerce.fullname" $ctx }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      {{- with include "woocommerce.imagePullSecrets" $ctx }}{{ . | nindent 6 }}{{ end }}
      securityContext:
        {{- include "woocommerce.podSecurityContext" (dict "uid" 33) | nindent 8 }}
      terminationGracePeriodSeconds: 30
      {{- if eq $task "backup" }}
      {{- include "woocommerce.contentAffinity" $ctx | nindent 6 }}
      {{- else if ne $ctx.Values.wordpress.persistence.accessMode "ReadWriteMany" }}
      # No affinity: a restore runs while storefront.paused holds WordPress at zero, so the
      # ReadWriteOnce volume is free to attach on whichever node the pod lands on.
      {{- end }}
      initContainers:
        - name: restic-binary
          image: {{ include "woocommerce.image" $backup.image }}
          imagePullPolicy: {{ $backup.image.pullPolicy }}
          command: ["cp", "/usr/bin/restic", "/opt/restic/bin/restic"]
          securityContext:
            {{- include "woocommerce.containerSecurityContext" (dict "readOnlyRootFilesystem" true) | nindent 12 }}
          resources:
            {{- toYaml $backup.binaryResources | nindent 12 }}
          volumeMounts:
            - name: restic-binary
              mountPath: /opt/restic/bin
      containers:
        - name: {{ $task }}
          image: {{ include "woocommerce.image" $db.image }}
          imagePullPolicy: {{ $db.image.pullPolicy }}
          command: ["bash", "/scripts/{{ $task }}.sh"]
          workingDir: /data
          terminationMessagePath: /dev/termination-log
          terminationMessagePolicy: File
          securityContext:
            {{- include "woocommerce.containerSecurityContext" (dict "readOnlyRootFilesystem" true) | nindent 12 }}
          env:
            - name: STORE_ID
              value: {{ $backup.storeId | quote }}
            {{- if eq $task "backup" }}
            # The orchestrator sets "manual" on the Jobs it creates from this template.
            - name: BACKUP_KIND
              value: scheduled
            - name: RETENTION_KEEP_DAILY
              value: {{ $backup.retention.daily | quote }}
            - name: RETENTION_KEEP_WEEKLY
              value: {{ $backup.retention.weekly | quote }}
            - name: RETENTION_KEEP_MONTHLY
              value: {{ $backup.retention.monthly | quote }}
            {{- else }}
            # Set by the orchestrator on each restore Job: the snapshot, and for a clone the
            # source store's repository and id (its password: the Secret's source-restic-password).
            - name: SNAPSHOT_ID
              value: ""
            - name: SOURCE_REPOSITORY
              value: ""
            - name: SOURCE_STORE_ID
              value: ""
            - name: SOURCE_RESTIC_PASSWORD_FILE
              value: /var/run/secrets/woo-platform/backup/source-restic-password
            {{- end }}
            - name: DB_HOST
              value: {{ include "woocommerce.mariadbName" $ctx | quote }}
            - name: DB_PORT
              value: "3306"
            - name: DB_NAME
              value: {{ $db.auth.database | quote }}
            - name: DB_USER
              value: {{ $db.auth.username | quote }}
            - name: DB_PASSWORD_FILE
              value: /var/run/secrets/woo-platform/database/mariadb-password
            - name: STORE_DATA_DIR
              value: /data
            - name: RESTIC_REPOSITORY
              value: {{ $backup.repository | quote }}
            - name: RESTIC_PASSWORD_FILE
              value: /var/run/secrets/woo-platform/backup/restic-password
            - name: AWS_ACCESS_KEY_ID
              valueFrom:
                secretKeyRef:
                  name: {{ $backup.secretName }}
                  key: aws-access-key-id
            - name: AWS_SECRET_ACCESS_KEY
              valueFrom:
                secretKeyRef:
                  name: {{ $backup.secretName }}
                  key: aws-secret-access-key
            - name: RESULT_FILE
              value: /dev/termination-log
            - name: PATH
              value: /opt/restic/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
            - name: HOME
              value: /tmp
            - name: TMPDIR
              value: /tmp
            - name: RESTIC_CACHE_DIR
              value: /tmp/restic-cache
          resources:
            {{- toYaml $backup.resources | nindent 12 }}
          volumeMounts:
            - name: scripts
              mountPath: /scripts
              readOnly: true
            - name: restic-binary
              mountPath: /opt/restic/bin
              readOnly: true
            - name: data
              mountPath: /data
            - name: content
              mountPath: /data/wp-content
            - name: tmp
              mountPath: /tmp
            - name: database-password
              mountPath: /var/run/secrets/woo-platform/database
              readOnly: true
            - name: backup-credentials
              mountPath: /var/run/secrets/woo-platform/backup
              readOnly: true
      volumes:
        - name: scripts
          configMap:
            name: {{ include "woocommerce.fullname" $ctx }}-backup-scripts
        - name: restic-binary
          emptyDir:
            sizeLimit: 128Mi
        # database.sql (uncompressed) while the Job runs, next to the wp-content mount.
        - name: data
          emptyDir:
            sizeLimit: {{ $backup.scratchSizeLimit }}
        - name: content
          persistentVolumeClaim:
            claimName: {{ include "woocommerce.wordpressContentName" $ctx }}
        - name: tmp
          emptyDir:
            sizeLimit: 1Gi
        - name: database-password
          secret:
            secretName: {{ $db.auth.existingSecret }}
            items:
              - key: mariadb-password
                path: mariadb-password
            # 0440: readable by the pod's group (fsGroup 33) only.
            defaultMode: 288
        - name: backup-credentials
          secret:
            secretName: {{ $backup.secretName }}
            defaultMode: 288
{{- end -}}
