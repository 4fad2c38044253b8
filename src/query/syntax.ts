/**
 * A one-screen summary of the query language, for `canopy query --help`,
 * the HTTP API's error bodies and the UI's query box. docs/query.md has the
 * full description.
 */
export const querySyntax = `Canopy queries (PromQL-like; full reference: docs/query.md)

  query     := expr
  expr      := term (("+" | "-") term)*          one side of every operator must be a number
  term      := unary (("*" | "/") unary)*
  unary     := ("-" | "+")* primary
  primary   := "(" expr ")" | number | selector
             | fn "(" selector range? ")"
             | agg ("by" "(" keys ")")? "(" expr ")" ("by" "(" keys ")")?
             | ("topk" | "bottomk") "(" number "," expr ")"
  selector  := a Canopy selector: OU:…::host:group:…:metric with globs, /regex/ tokens,
               ** and {label="v"} matchers, e.g. Lab:*::node-[1-4]:cpu:user
  range     := "[" duration "]"                   e.g. [30s] [5m] [1h30m]
  fn        := rate | irate | increase | delta | avg_over_time | min_over_time
             | max_over_time | sum_over_time | count_over_time | last_over_time
  agg       := sum | avg | min | max | count
  keys      := key ("," key)*                      key := ou | ou:N | host | metric | label
  number    := 12 | 1.5 | 1e3 | Inf | NaN

Put spaces around + - * after a selector: those characters may be part of it.
Examples:
  rate(Lab::*:net:rx_bytes[1m])
  sum by (ou:2) (Lab::*:cpu:user)
  topk(5, avg_over_time(Lab::*:mem:used[10m])) / 1024
`;
