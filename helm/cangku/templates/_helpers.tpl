{{/* Names, labels and the pieces the Deployment and the collector's CronJob share. */}}

{{- define "cangku.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cangku.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "cangku.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cangku.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cangku.labels" -}}
{{ include "cangku.selectorLabels" . }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "cangku.annotations" -}}
{{- with .Values.commonAnnotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "cangku.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s/%s@%s" .Values.image.registry .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s/%s:%s" .Values.image.registry .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "cangku.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "cangku.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "cangku.s3" -}}
{{- eq .Values.storage.type "s3" -}}
{{- end -}}

{{/* True when more than one registry pod can run at a time. */}}
{{- define "cangku.replicated" -}}
{{- and (eq .Values.storage.type "s3") (or .Values.autoscaling.hpa.enabled (gt (int .Values.replicaCount) 1)) -}}
{{- end -}}

{{- define "cangku.adminSecretName" -}}
{{- default (include "cangku.fullname" .) .Values.auth.existingSecret -}}
{{- end -}}

{{- define "cangku.adminSecretKey" -}}
{{- if .Values.auth.existingSecret -}}{{ .Values.auth.existingSecretPasswordKey }}{{- else -}}admin-password{{- end -}}
{{- end -}}

{{- define "cangku.s3SecretName" -}}
{{- default (include "cangku.fullname" .) .Values.storage.s3.existingSecret -}}
{{- end -}}

{{/* S3 keys come from a Secret unless neither keys nor an existing Secret are given (IRSA, instance roles). */}}
{{- define "cangku.s3Keys" -}}
{{- and (eq .Values.storage.type "s3") (not (empty (or .Values.storage.s3.existingSecret .Values.storage.s3.accessKey))) -}}
{{- end -}}

{{- define "cangku.externalUrl" -}}
{{- if .Values.externalUrl -}}
{{- .Values.externalUrl -}}
{{- else if .Values.ingress.enabled -}}
{{- printf "%s://%s" (ternary "https" "http" .Values.ingress.tls) .Values.ingress.hostname -}}
{{- end -}}
{{- end -}}

{{/* Refuses values that cannot work, with the value to change. */}}
{{- define "cangku.validate" -}}
{{- if and (eq .Values.storage.type "filesystem") (or .Values.autoscaling.hpa.enabled (gt (int .Values.replicaCount) 1)) -}}
{{- fail "storage.type=filesystem runs exactly one pod: set replicaCount=1 and autoscaling.hpa.enabled=false, or use storage.type=s3" -}}
{{- end -}}
{{- if and (eq .Values.storage.type "s3") (not .Values.storage.s3.bucket) -}}
{{- fail "storage.type=s3 needs storage.s3.bucket" -}}
{{- end -}}
{{- if and .Values.storage.s3.accessKey (not .Values.storage.s3.secretKey) (not .Values.storage.s3.existingSecret) -}}
{{- fail "storage.s3.accessKey is set but storage.s3.secretKey is not" -}}
{{- end -}}
{{- if and .Values.gc.enabled .Values.gc.serverSchedule -}}
{{- fail "gc.serverSchedule and the gc CronJob (gc.enabled) would both collect: set gc.enabled=false, or leave gc.serverSchedule empty" -}}
{{- end -}}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.metrics.enabled) -}}
{{- fail "metrics.serviceMonitor.enabled needs metrics.enabled=true (the Service it scrapes)" -}}
{{- end -}}
{{- end -}}

{{/*
The container environment shared by the registry and the collector. Non-secret settings live in the ConfigMap's
application.yml; secrets come from Secrets by reference, so no password or key is ever part of the pod spec.
*/}}
{{- define "cangku.env" -}}
- name: SPRING_CONFIG_ADDITIONAL_LOCATION
  value: "optional:file:/config/"
{{- if and (eq .Values.auth.mode "token") (or .Values.auth.existingSecret .Values.auth.admin.password) }}
- name: REGISTRY_AUTH_ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "cangku.adminSecretName" . }}
      key: {{ include "cangku.adminSecretKey" . }}
{{- end }}
{{- if eq (include "cangku.s3Keys" .) "true" }}
- name: REGISTRY_STORAGE_S3_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "cangku.s3SecretName" . }}
      key: {{ ternary .Values.storage.s3.existingSecretAccessKeyKey "s3-access-key-id" (not (empty .Values.storage.s3.existingSecret)) }}
- name: REGISTRY_STORAGE_S3_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "cangku.s3SecretName" . }}
      key: {{ ternary .Values.storage.s3.existingSecretSecretKeyKey "s3-secret-access-key" (not (empty .Values.storage.s3.existingSecret)) }}
{{- end }}
{{- with .Values.extraEnvVars }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "cangku.volumeMounts" -}}
- name: config
  mountPath: /config
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- if not (eq .Values.storage.type "s3") }}
- name: data
  mountPath: /data
{{- end }}
{{- end -}}

{{- define "cangku.volumes" -}}
- name: config
  configMap:
    name: {{ include "cangku.fullname" . }}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpDir.sizeLimit }}
{{- if not (eq .Values.storage.type "s3") }}
- name: data
{{- if .Values.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ default (include "cangku.fullname" .) .Values.persistence.existingClaim }}
{{- else }}
  emptyDir: {}
{{- end }}
{{- end }}
{{- end -}}

{{- define "cangku.podSecurityContext" -}}
{{- if .Values.podSecurityContext.enabled }}
securityContext:
  {{- omit .Values.podSecurityContext "enabled" | toYaml | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "cangku.containerSecurityContext" -}}
{{- if .Values.containerSecurityContext.enabled }}
securityContext:
  {{- omit .Values.containerSecurityContext "enabled" | toYaml | nindent 2 }}
{{- end }}
{{- end -}}
