{{- define "ingress-nginx.fullname" -}}{{ .Release.Name }}-ingress-nginx{{- end }}
{{- define "ingress-nginx.webhookHook" -}}
"helm.sh/hook": pre-install,pre-upgrade,post-install,post-upgrade
"helm.sh/hook-weight": "-5"
"helm.sh/hook-delete-policy": before-hook-creation,hook-succeeded
{{- end }}
