{{/* The release's full name, at most 63 characters. */}}
{{- define "meshfed.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "meshfed.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "meshfed.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "meshfed.serviceAccountName" -}}
{{- default (include "meshfed.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{/* The Secret holding the agent API's serving certificate, when the operator does not make its own. */}}
{{- define "meshfed.tlsSecret" -}}
{{- if eq .Values.agentApi.tls.mode "existingSecret" -}}
{{- .Values.agentApi.tls.existingSecret -}}
{{- else if eq .Values.agentApi.tls.mode "certManager" -}}
{{- printf "%s-agent-api-tls" (include "meshfed.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* The URL agents are told to use. */}}
{{- define "meshfed.agentApiEndpoint" -}}
{{- if .Values.agentApi.endpoint -}}
{{- .Values.agentApi.endpoint -}}
{{- else if .Values.agentApi.ingress.enabled -}}
{{- printf "https://%s" .Values.agentApi.ingress.host -}}
{{- else -}}
{{- printf "https://%s-agent-api.%s.svc:%d" (include "meshfed.fullname" .) .Release.Namespace (int .Values.agentApi.service.port) -}}
{{- end -}}
{{- end -}}

{{/*
The one namespace the operator watches, or "" when it watches all of them (watchAllNamespaces).
*/}}
{{- define "meshfed.watchedNamespace" -}}
{{- if not .Values.watchAllNamespaces -}}
{{- default .Release.Namespace .Values.watchNamespace -}}
{{- end -}}
{{- end }}
