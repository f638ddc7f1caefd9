// The default HeaderFormatterFactory: header values in request/response_headers_to_add use the
// same `%COMMAND%` language as access logs (Envoy's substitution formatter), so this adapts the
// access-log compiler. Unlike access logs, an unset command renders as '' (Envoy builds header
// formatters with omit_empty_values), and an empty result means the header is not added.
import { compileFormat, TextFormatter } from '../http/access-log/formatter';
import type { HeaderFormatterFactory } from './types';

export const defaultHeaderFormatterFactory: HeaderFormatterFactory = (template) => {
  if (!template.includes('%')) return { ok: true, formatter: undefined };
  const r = compileFormat(template);
  if (!r.ok) return { ok: false, error: r.error };
  if (!r.parts.some((p) => typeof p !== 'string')) {
    // Only literals (e.g. an escaped '%%'): keep the unescaped text as a constant.
    return { ok: true, formatter: { format: () => (r.parts as string[]).join('') } };
  }
  return { ok: true, formatter: new TextFormatter(r.parts, true) };
};
