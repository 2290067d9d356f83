{{- define "appliance.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "appliance.fullname" -}}
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

{{- define "appliance.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "appliance.labels" -}}
helm.sh/chart: {{ include "appliance.chart" . }}
{{ include "appliance.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: alga-appliance
{{- end }}

{{- define "appliance.selectorLabels" -}}
app.kubernetes.io/name: {{ include "appliance.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "appliance.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* "<fullname>-<suffix>", the full name shortened so that the whole fits in max characters
     (Jobs: 63, the job-name label; CronJobs: 52, the controller appends 11). Call with (list . suffix max). */}}
{{- define "appliance.suffixedName" -}}
{{- $ctx := index . 0 }}
{{- $suffix := index . 1 }}
{{- $max := index . 2 }}
{{- printf "%s-%s" (include "appliance.fullname" $ctx | trunc (int (sub $max (add 1 (len $suffix)))) | trimSuffix "-") $suffix }}
{{- end }}

{{/*
The check-in schedule. An explicit checkIn.schedule wins. Otherwise minute and hour are derived from
this install, so that appliances do not all call the vendor at the same minute: a hash of namespace,
release name, checkIn.spreadKey and — on a real install or upgrade, where `lookup` reaches the cluster —
the APPLIANCE_ID in the wizard's seed Secret. The same install always gets the same time.
*/}}
{{- define "appliance.checkInSchedule" -}}
{{- if .Values.checkIn.schedule }}
{{- .Values.checkIn.schedule }}
{{- else }}
{{- $applianceId := "" }}
{{- $seed := lookup "v1" "Secret" .Release.Namespace .Values.seedSecrets.licenseSeed }}
{{- if and $seed $seed.data $seed.data.APPLIANCE_ID }}
{{- $applianceId = b64dec $seed.data.APPLIANCE_ID }}
{{- end }}
{{- $key := printf "%s/%s/%s/%s" .Release.Namespace .Release.Name .Values.checkIn.spreadKey $applianceId }}
{{- /* adler32 of the sha256 hex digest: adler32 alone barely mixes short inputs */}}
{{- $n := sha256sum $key | adler32sum | atoi }}
{{- printf "%d %d * * *" (mod $n 60) (mod (div $n 60) 24) }}
{{- end }}
{{- end }}

{{/* The appliance database URL, for both the bootstrap and the check-in. */}}
{{- define "appliance.databaseEnv" -}}
- name: APPLIANCE_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: {{ .Values.database.secretKey }}
- name: HOME
  value: /tmp
{{- end }}

{{/* The check-in agent's environment (the CronJob and the helm test). */}}
{{- define "appliance.checkInEnv" -}}
{{ include "appliance.databaseEnv" . }}
- name: APPLIANCE_VERSION
  value: {{ default .Chart.AppVersion .Values.applianceVersion | quote }}
- name: ALGA_CHECKIN_ATTEMPTS
  value: {{ .Values.checkIn.attempts | quote }}
- name: ALGA_CHECKIN_WARN_DAYS
  value: {{ .Values.checkIn.warnDays | quote }}
- name: ALGA_CHECKIN_SPREAD_SECONDS
  value: {{ .Values.checkIn.spreadSeconds | quote }}
- name: ALGA_CHECKIN_MAX_WAIT_SECONDS
  value: {{ .Values.checkIn.maxWaitSeconds | quote }}
{{- end }}

{{/* envFrom, volumeMounts of every appliance-tools container. */}}
{{- define "appliance.containerCommon" -}}
{{- with .Values.extraEnvFrom }}
envFrom:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
  {{- with .Values.extraVolumeMounts }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}

{{- define "appliance.podSpecCommon" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
volumes:
  - name: tmp
    emptyDir: {}
  {{- with .Values.extraVolumes }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
