/**
 * Turns a Prometheus annotation template into text for people: `{{ $labels.provider }}` → ‹provider›,
 * any `$value` expression → ‹value›, `{{ with $labels.x }}…{{ . }}…{{ end }}` → …‹x›…; other template
 * actions are dropped.
 */
export function readableTemplate(template: string): string {
  return template
    .replace(/\{\{-?\s*with\s+\$labels\.(\w+)\s*-?\}\}(.*?)\{\{-?\s*end\s*-?\}\}/g, (_, label: string, body: string) =>
      body.replace(/\{\{-?\s*\.\s*-?\}\}/g, `‹${label}›`)
    )
    .replace(/\{\{-?\s*\$labels\.(\w+)\s*-?\}\}/g, '‹$1›')
    .replace(/\{\{-?[^}]*\$value[^}]*-?\}\}/g, '‹value›')
    .replace(/\{\{[^}]*\}\}/g, '')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}
