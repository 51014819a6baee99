{{/*
The shipped rules: every group of files/rules/*.yaml (copied from the repository's rules/
by scripts/sync-chart), with prometheusRule.disabledAlerts, .thresholds, .alertOverrides
and .additionalRule{Labels,Annotations} applied. Returned as YAML {groups: [...], alerts:
[every alert name the files define]}; groups left without rules are dropped.
*/}}

{{/*
Where each prometheusRule.thresholds value goes: the alert, and the comparison its rule
file ships (operator and literal). The chart replaces that comparison, which must occur
exactly once in the alert's expression, or rendering fails.
*/}}
{{- define "rollout-exporter.ruleThresholds" -}}
rolloutDurationSeconds:
  alert: RolloutTooLong
  operator: ">"
  shipped: 600
{{- end }}

{{- define "rollout-exporter.rules" -}}
{{- $values := .Values.prometheusRule }}
{{- $bindings := include "rollout-exporter.ruleThresholds" . | fromYaml }}
{{- $documents := list }}
{{- $alerts := list }}
{{- range $path, $_ := .Files.Glob "files/rules/*.{yaml,yml}" }}
  {{- $document := $.Files.Get $path | fromYaml }}
  {{- if hasKey $document "Error" }}
    {{- fail (printf "%s is not valid YAML: %s" $path $document.Error) }}
  {{- end }}
  {{- if not (kindIs "slice" $document.groups) }}
    {{- fail (printf "%s is not a Prometheus rule file: it has no list of groups" $path) }}
  {{- end }}
  {{- range $group := $document.groups }}
    {{- range $rule := $group.rules }}
      {{- with $rule.alert }}
        {{- $alerts = append $alerts . }}
      {{- end }}
    {{- end }}
  {{- end }}
  {{- $documents = append $documents $document }}
{{- end }}
{{- range $name := $values.disabledAlerts }}
  {{- if not (has $name $alerts) }}
    {{- fail (printf "prometheusRule.disabledAlerts: the chart ships no alert %q (it ships: %s)" $name (join ", " $alerts)) }}
  {{- end }}
{{- end }}
{{- range $name, $_ := $values.alertOverrides }}
  {{- if not (has $name $alerts) }}
    {{- fail (printf "prometheusRule.alertOverrides: the chart ships no alert %q (it ships: %s)" $name (join ", " $alerts)) }}
  {{- end }}
{{- end }}
{{- $groups := list }}
{{- range $document := $documents }}
  {{- range $group := $document.groups }}
    {{- $rules := list }}
    {{- range $rule := $group.rules }}
      {{- if not $rule.alert }}
        {{- $rules = append $rules $rule }}
      {{- else if not (has $rule.alert $values.disabledAlerts) }}
        {{- range $name, $binding := $bindings }}
          {{- if eq $binding.alert $rule.alert }}
            {{- $pattern := printf "%s\\s*%s\\b" (regexQuoteMeta $binding.operator) (regexQuoteMeta (toString $binding.shipped)) }}
            {{- $expr := toString $rule.expr }}
            {{- $found := len (regexFindAll $pattern $expr -1) }}
            {{- if ne $found 1 }}
              {{- fail (printf "prometheusRule.thresholds.%s: alert %s should compare `%s %v` exactly once, found it %d times; update rollout-exporter.ruleThresholds in templates/_rules.tpl" $name $rule.alert $binding.operator $binding.shipped $found) }}
            {{- end }}
            {{- $value := index $values.thresholds $name }}
            {{- $_ := set $rule "expr" (regexReplaceAll $pattern $expr (printf "%s %v" $binding.operator $value)) }}
          {{- end }}
        {{- end }}
        {{- $labels := merge (dict) ($rule.labels | default dict) ($values.additionalRuleLabels | default dict) }}
        {{- $annotations := merge (dict) ($rule.annotations | default dict) ($values.additionalRuleAnnotations | default dict) }}
        {{- $override := index $values.alertOverrides $rule.alert | default dict }}
        {{- range $field := list "expr" "for" "keep_firing_for" }}
          {{- if hasKey $override $field }}
            {{- $_ := set $rule $field (index $override $field) }}
          {{- end }}
        {{- end }}
        {{- $labels = merge (dict) ($override.labels | default dict) $labels }}
        {{- $annotations = merge (dict) ($override.annotations | default dict) $annotations }}
        {{- if $labels }}
          {{- $_ := set $rule "labels" $labels }}
        {{- end }}
        {{- if $annotations }}
          {{- $_ := set $rule "annotations" $annotations }}
        {{- end }}
        {{- $rules = append $rules $rule }}
      {{- end }}
    {{- end }}
    {{- if $rules }}
      {{- $groups = append $groups (set $group "rules" $rules) }}
    {{- end }}
  {{- end }}
{{- end }}
{{- toYaml (dict "groups" $groups "alerts" $alerts) }}
{{- end }}
