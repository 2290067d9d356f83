{{/* Chart name, truncated to the 63 characters Kubernetes allows. */}}
{{- define "alga-license.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name. */}}
{{- define "alga-license.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "alga-license.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Common labels */}}
{{- define "alga-license.labels" -}}
helm.sh/chart: {{ include "alga-license.chart" . }}
{{ include "alga-license.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: alga-license
{{- end }}

{{/* Selector labels */}}
{{- define "alga-license.selectorLabels" -}}
app.kubernetes.io/name: {{ include "alga-license.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "alga-license.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "alga-license.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "alga-license.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The Secret holding DATABASE_URL and the other secret settings. */}}
{{- define "alga-license.secretName" -}}
{{- default (printf "%s-secrets" (include "alga-license.fullname" .)) .Values.secrets.existingSecret }}
{{- end }}

{{/* Environment shared by the API and the migration Job. */}}
{{- define "alga-license.env" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "alga-license.secretName" . }}
      key: DATABASE_URL
- name: SERVER_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "alga-license.secretName" . }}
      key: SERVER_SECRET
- name: S3_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "alga-license.secretName" . }}
      key: S3_ACCESS_KEY
      optional: true
- name: S3_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "alga-license.secretName" . }}
      key: S3_SECRET_KEY
      optional: true
- name: SMTP_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "alga-license.secretName" . }}
      key: SMTP_URL
      optional: true
- name: LICENSE_SIGNING_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ include "alga-license.secretName" . }}
      key: LICENSE_SIGNING_KEYS
      optional: true
{{- end }}
