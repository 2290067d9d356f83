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

{{/* "<fullname>-<suffix>", the full name shortened so that the whole fits in max characters
     (Jobs: 63, the job-name label). Call with (list . suffix max). */}}
{{- define "alga-license.suffixedName" -}}
{{- $ctx := index . 0 }}
{{- $suffix := index . 1 }}
{{- $max := index . 2 }}
{{- printf "%s-%s" (include "alga-license.fullname" $ctx | trunc (int (sub $max (add 1 (len $suffix)))) | trimSuffix "-") $suffix }}
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

{{/* "true" when the release runs more than one API pod (replicaCount > 1 or autoscaling), else "". */}}
{{- define "alga-license.replicated" -}}
{{- if or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1) }}true{{ end }}
{{- end }}

{{/* A number from values as a quoted decimal string (YAML numbers arrive as floats: 1209600 would
     otherwise render as "1.2096e+06"). */}}
{{- define "alga-license.int" -}}
{{- . | int64 | toString | quote }}
{{- end }}

{{/* /metrics on its own container port: the port number, or "" when served on the main port or off. */}}
{{- define "alga-license.metricsPort" -}}
{{- if and .Values.config.metricsEnabled (gt (int .Values.config.metricsPort) 0) }}{{ int .Values.config.metricsPort }}{{ end }}
{{- end }}

{{/* true when the chart cannot see the secret settings (an existing Secret, or one made elsewhere). */}}
{{- define "alga-license.secretsExternal" -}}
{{- if or .Values.secrets.existingSecret (not .Values.secrets.create) }}true{{ end }}
{{- end }}

{{/*
Refuse configurations that would run but lose data or break licensing. Each message names the values
to set. With secrets.existingSecret the chart cannot see the secret keys: the API checks them itself
(REPLICATED=true makes it refuse to start without SERVER_SECRET, LICENSE_SIGNING_KEYS, SMTP_URL,
DATABASE_URL and S3).
*/}}
{{- define "alga-license.validate" -}}
{{- $s := .Values.secrets }}
{{- $external := include "alga-license.secretsExternal" . }}
{{- $replicated := include "alga-license.replicated" . }}
{{- $missing := list }}
{{- if not $external }}
{{- if not $s.databaseUrl }}{{ $missing = append $missing "secrets.databaseUrl" }}{{ end }}
{{- if not $s.serverSecret }}{{ $missing = append $missing "secrets.serverSecret (>= 32 characters, e.g. openssl rand -hex 32)" }}{{ end }}
{{- end }}
{{- $local := list }}
{{- if not $external }}
{{- if not $s.licenseSigningKeys }}{{ $local = append $local "secrets.licenseSigningKeys (npm run signing-key -- generate)" }}{{ end }}
{{- if not $s.smtpUrl }}{{ $local = append $local "secrets.smtpUrl" }}{{ end }}
{{- end }}
{{- if not .Values.config.s3.endpoint }}{{ $local = append $local "config.s3.endpoint" }}
{{- else if and (not $external) (not (and $s.s3AccessKey $s.s3SecretKey)) }}{{ $local = append $local "secrets.s3AccessKey and secrets.s3SecretKey" }}
{{- end }}
{{- if $replicated }}
{{- $missing = concat $missing $local }}
{{- if $missing }}
{{- fail (printf "\n\na replicated release (replicaCount > 1 or autoscaling.enabled) needs settings that every replica shares: set %s — or keep the secret ones in secrets.existingSecret" (join ", " $missing)) }}
{{- end }}
{{- else }}
{{- if $missing }}
{{- fail (printf "\n\nset %s — or keep them in secrets.existingSecret" (join ", " $missing)) }}
{{- end }}
{{- if and $local (not .Values.demo.allowLocalDefaults) }}
{{- fail (printf "\n\nwithout %s the API falls back to local defaults (a signing key generated per pod, mail written to an emptyDir, download links from an empty folder); set them, or set demo.allowLocalDefaults=true for a throw-away demo" (join ", " $local)) }}
{{- end }}
{{- end }}
{{- if and (not $external) $s.serverSecret (lt (len $s.serverSecret) 32) }}
{{- fail "\n\nsecrets.serverSecret must be at least 32 characters (e.g. openssl rand -hex 32)" }}
{{- end }}
{{- end }}

{{/* Environment shared by the API and the migration Job: the secret settings, then extraEnv. */}}
{{- define "alga-license.env" -}}
{{- $secret := include "alga-license.secretName" . }}
{{- range $key := list "DATABASE_URL" "SERVER_SECRET" "S3_ACCESS_KEY" "S3_SECRET_KEY" "SMTP_URL" "LICENSE_SIGNING_KEYS" "STRIPE_WEBHOOK_SECRET" "STRIPE_API_KEY" }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $key }}
      {{- if not (has $key (list "DATABASE_URL" "SERVER_SECRET")) }}
      optional: true
      {{- end }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

