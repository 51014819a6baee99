{{/* Names, labels and small shared pieces. */}}

{{- define "rollout-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Object name prefix: the release name, plus the chart name unless the release already contains it. */}}
{{- define "rollout-exporter.fullname" -}}
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

{{/* A name derived from the fullname with a suffix, kept within 63 characters. */}}
{{- define "rollout-exporter.suffixedName" -}}
{{- $suffix := index . 1 }}
{{- printf "%s-%s" (include "rollout-exporter.fullname" (index . 0) | trunc (int (sub 62 (len $suffix))) | trimSuffix "-") $suffix }}
{{- end }}

{{- define "rollout-exporter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "rollout-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rollout-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "rollout-exporter.labels" -}}
helm.sh/chart: {{ include "rollout-exporter.chart" . }}
{{ include "rollout-exporter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: rollout-exporter
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels of objects kube-prometheus-stack's Prometheus must select (ServiceMonitor, PrometheusRule). */}}
{{- define "rollout-exporter.monitoringLabels" -}}
{{ include "rollout-exporter.labels" . }}
{{- with .Values.kubePrometheusStack.release }}
release: {{ . | quote }}
{{- end }}
{{- end }}

{{- define "rollout-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "rollout-exporter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "rollout-exporter.image" -}}
{{- $repository := .Values.image.repository }}
{{- with .Values.image.registry }}
{{- $repository = printf "%s/%s" . $repository }}
{{- end }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
The read access the exporter needs: get/list/watch on exactly the kinds it watches
(exporter/kube/resources.py). Never Secrets, never a write verb, never a wildcard.
*/}}
{{- define "rollout-exporter.watchRules" -}}
- apiGroups: [""]
  resources: [events, pods, services]
  verbs: [get, list, watch]
- apiGroups: [apps]
  resources: [daemonsets, deployments, replicasets, statefulsets]
  verbs: [get, list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [get, list, watch]
{{- end }}
